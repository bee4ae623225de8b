// undici's WebSocket (the global one on Node 22+, or the `undici` package), from the channels
// undici publishes: `undici:websocket:open` (the local address; since undici 7.12 also the
// instance), `ping`/`pong` (received frames; the instance since 7.12) and `close` (always the
// instance). Its TCP socket is the recent `net.client.socket` whose local address the open
// message names. Before 7.12 (Node 22's bundled undici 6) open, ping and pong carry no instance:
// such a session is shown from its socket, with PING/PONG counts "not tracked" and no Probe or
// Break (there is nothing to act on). undici's WebSocket has no API to send a PING: no Probe.

import type { Socket } from 'node:net';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ObserverContext } from './observer';
import { currentTest } from './testContext';
import type { SessionRegistry } from './webSocketRegistry';
import type { SessionAdapter, TrackedSession } from './webSocketSession';

/** The part of undici's WebSocket used here (the WHATWG interface). */
interface UndiciWebSocketLike {
  url: string;
  readyState: number;
  bufferedAmount: number;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** Client sockets remembered to be matched with an open message (undici connects, then upgrades at once). */
const RECENT_SOCKETS = 32;
const OPEN = 1;
const CLOSING = 2;

function looksLikeUndiciWebSocket(value: unknown): value is UndiciWebSocketLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.url === 'string' && typeof v.close === 'function' && typeof v.addEventListener === 'function' && typeof v.removeEventListener === 'function';
}

function stripQuery(url: string): [string, string] {
  const q = url.indexOf('?');
  return q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
}

export function watchUndiciWebSockets(registry: SessionRegistry, context: ObserverContext): () => void {
  const { now, debug } = context;
  const recentSockets: Array<WeakRef<Socket>> = [];
  const byInstance = new WeakMap<object, TrackedSession>();

  // Runs for every outgoing TCP connection of the process, inside its connect() call: never throws.
  const onClientSocket = (message: unknown): void => {
    registry.safely('client socket not tracked', () => {
      const socket = (message as { socket?: unknown } | null)?.socket;
      if (typeof socket !== 'object' || socket === null) return;
      recentSockets.push(new WeakRef(socket as Socket));
      if (recentSockets.length > RECENT_SOCKETS) recentSockets.shift();
    });
  };

  const socketAt = (address: { address?: unknown; port?: unknown } | undefined): Socket | null => {
    if (!address) return null;
    for (let i = recentSockets.length - 1; i >= 0; i--) {
      const s = recentSockets[i]!.deref();
      if (s && !s.destroyed && s.localPort === address.port && s.localAddress === address.address) return s;
    }
    return null;
  };

  const onOpen = (message: unknown): void => {
    registry.safely('undici open', () => {
      const m = message as { address?: { address?: unknown; port?: unknown }; websocket?: unknown };
      const instance = looksLikeUndiciWebSocket(m.websocket) ? m.websocket : null;
      const socket = socketAt(m.address);
      const notes: string[] = [];
      let url: string;
      let query = '';
      if (instance) [url, query] = stripQuery(instance.url);
      else if (socket?.remoteAddress) {
        const host = socket.remoteAddress.includes(':') ? `[${socket.remoteAddress}]` : socket.remoteAddress;
        url = `ws://${host}:${socket.remotePort}`;
        notes.push('path unknown: undici before 7.12 publishes no WebSocket instance');
      } else url = 'ws://(unknown)';
      if (!instance) notes.push('PING/PONG not tracked, no Probe or Break: undici before 7.12 publishes no WebSocket instance');
      if (!socket) notes.push('kernel queues unknown: its socket was not seen on net.client.socket (TLS, or a custom connector)');
      const session = registry.add(
        {
          library: 'undici',
          role: 'client',
          url,
          startedAt: now(),
          test: currentTest(),
          heartbeatTracked: instance !== null,
          framesSeen: instance !== null,
          notes,
        },
        query,
      );
      if (instance) byInstance.set(instance, session);
      registry.attach(
        session,
        undiciAdapter(instance, socket, session, now, (code) => registry.closed(session, code)),
      );
      if (!socket && !instance) debug(`WebSockets: ${session.subject()}: neither its socket nor its instance is known`);
    });
  };

  const withSession = (message: unknown, fn: (session: TrackedSession, m: { code?: unknown }) => void): void => {
    registry.safely('undici event', () => {
      const m = message as { websocket?: unknown; code?: unknown };
      const session = typeof m.websocket === 'object' && m.websocket !== null ? byInstance.get(m.websocket) : undefined;
      if (session) fn(session, m);
    });
  };
  const onPing = (message: unknown): void => withSession(message, (s) => s.pingReceived(now()));
  const onPong = (message: unknown): void => withSession(message, (s) => s.pongReceived(now()));
  const onClose = (message: unknown): void => withSession(message, (s, m) => registry.closed(s, typeof m.code === 'number' ? m.code : null));

  const channels: Array<[string, (message: unknown) => void]> = [
    ['net.client.socket', onClientSocket],
    ['undici:websocket:open', onOpen],
    ['undici:websocket:ping', onPing],
    ['undici:websocket:pong', onPong],
    ['undici:websocket:close', onClose],
  ];
  for (const [name, fn] of channels) subscribe(name, fn);
  return () => {
    for (const [name, fn] of channels) unsubscribe(name, fn);
    recentSockets.length = 0;
  };
}

function undiciAdapter(
  instance: UndiciWebSocketLike | null,
  socket: Socket | null,
  session: TrackedSession,
  now: () => number,
  onClosed: (code: number | null) => void,
): SessionAdapter {
  const onMessage = (): void => session.inbound(now());
  instance?.addEventListener('message', onMessage);
  const onSocketClose = (): void => onClosed(null);
  socket?.once('close', onSocketClose);
  const adapter: SessionAdapter = {
    socket,
    processBytes: () => (instance && typeof instance.bufferedAmount === 'number' ? instance.bufferedAmount : (socket?.writableLength ?? null)),
    readyState: () => (!instance ? null : instance.readyState === OPEN ? 'open' : instance.readyState === CLOSING ? 'closing' : null),
    unsupported: {
      probe: "undici's WebSocket has no API to send a PING",
      ...(instance ? {} : { close: 'undici before 7.12 publishes no WebSocket instance to close' }),
    },
    detach() {
      instance?.removeEventListener('message', onMessage);
      socket?.off('close', onSocketClose);
    },
  };
  if (instance) {
    adapter.close = (code, reason) =>
      new Promise<string>((resolve) => {
        const timer = setTimeout(() => {
          instance.removeEventListener('close', done);
          // The closing handshake did not complete (a peer that does not read): drop the connection.
          if (socket && !socket.destroyed) {
            socket.destroy();
            resolve('the peer did not complete the closing handshake within 2 s, so the connection was dropped');
          } else resolve('the close frame was sent; the peer has not completed the closing handshake');
        }, 2_000);
        timer.unref();
        const done = (): void => {
          clearTimeout(timer);
          resolve('the closing handshake completed');
        };
        instance.addEventListener('close', done);
        instance.close(code, reason);
      });
  }
  return adapter;
}
