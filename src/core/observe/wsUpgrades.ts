// Where `ws` WebSockets begin, from what Node publishes:
// - client: `http.client.request.start` carries ws's handshake request (`upgrade: websocket`);
//   once ws's own 'upgrade' listener has taken the socket, ours (added only when ws's is already
//   there, so Node's "no listener: destroy the socket" case never changes) finds the WebSocket.
// - server: `net.server.socket` names each accepted socket's server; a server that already has
//   an 'upgrade' listener (ws, engine.io, the user's own) gets one more, appended, which reads
//   the request path and finds the WebSocket the earlier listener made. One that has no
//   'upgrade' listener is left alone: adding one would change what Node does with an upgrade;
//   for the same reason ours is taken off again once the last of the others is removed.

import type { ClientRequest, IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ObserverContext } from './observer';
import { currentTest } from './testContext';
import type { SessionRegistry } from './webSocketRegistry';
import type { TrackedSession } from './webSocketSession';
import { wsAdapter, wsOnSocket } from './wsLibrary';

/** A server upgrade whose ws WebSocket has not appeared by then is tracked at the socket level. */
const SOCKET_LEVEL_AFTER_MS = 1_000;

function splitQuery(path: string): [string, string] {
  const q = path.indexOf('?');
  return q < 0 ? [path, ''] : [path.slice(0, q), path.slice(q + 1)];
}

/** ws://host:port/path of a handshake request, without its query. */
function clientUrl(req: ClientRequest): [string, string] {
  const scheme = req.protocol === 'https:' ? 'wss:' : 'ws:';
  const host = req.getHeader('host') ?? req.host;
  const [path, query] = splitQuery(req.path);
  return [`${scheme}//${String(host)}${path}`, query];
}

function isWebSocketUpgrade(req: ClientRequest): boolean {
  const upgrade = req.getHeader('upgrade');
  return typeof upgrade === 'string' && upgrade.toLowerCase() === 'websocket';
}

export function watchWsUpgrades(registry: SessionRegistry, context: ObserverContext): () => void {
  const { now, debug } = context;
  /** Server upgrades whose WebSocket is not on the socket yet (an asynchronous verifyClient). */
  const pending = new Map<Socket, TrackedSession>();
  const hookedServers = new Set<WeakRef<Server>>();
  const hooked = new WeakSet<Server>();

  /** Finds ws's object on the socket; true once the session is wired (or ended). */
  const resolve = (session: TrackedSession, socket: Socket): boolean => {
    if (socket.destroyed) {
      registry.closed(session, null);
      return true;
    }
    const ws = wsOnSocket(socket);
    if (!ws) return false;
    registry.attach(
      session,
      wsAdapter(ws, socket, session, now, (code) => registry.closed(session, code)),
    );
    return true;
  };

  /** A socket that upgraded but whose WebSocket is not found: tracked at the socket level. */
  const socketLevel = (session: TrackedSession, socket: Socket): void => {
    session.notes.push('PING/PONG not tracked: no ws WebSocket found on its socket (another library, or ws internals that differ)');
    debug(`WebSockets: ${session.subject()}: no ws WebSocket on its socket; tracked at the socket level`);
    const onClose = (): void => registry.closed(session, null);
    socket.once('close', onClose);
    registry.attach(session, {
      socket,
      processBytes: () => socket.writableLength,
      readyState: () => null,
      unsupported: { probe: 'its WebSocket object was not found', close: 'its WebSocket object was not found' },
      detach: () => socket.off('close', onClose),
    });
  };

  const onClientRequest = (message: unknown): void => {
    try {
      const req = (message as { request?: ClientRequest }).request;
      if (!req || typeof req.getHeader !== 'function' || !isWebSocketUpgrade(req)) return;
      // No 'upgrade' listener: Node destroys the socket on a 101; one of ours would keep it.
      if (req.listenerCount('upgrade') === 0) return;
      const [url, query] = clientUrl(req);
      const startedAt = now();
      const test = currentTest();
      req.once('upgrade', (_res: IncomingMessage, socket: Socket) => {
        registry.safely('client upgrade', () => {
          const session = registry.add({ library: 'ws', role: 'client', url, startedAt, test, heartbeatTracked: true, framesSeen: true }, query);
          if (!resolve(session, socket)) {
            session.init.heartbeatTracked = false;
            session.init.framesSeen = false;
            socketLevel(session, socket);
          }
        });
      });
    } catch (err) {
      debug(`WebSockets: a client handshake not tracked: ${(err as Error).message}`);
    }
  };

  const onServerUpgrade = (req: IncomingMessage, socket: Socket): void => {
    registry.safely('server upgrade', () => {
      const upgrade = req.headers.upgrade;
      if (typeof upgrade !== 'string' || upgrade.toLowerCase() !== 'websocket') return;
      const [url, query] = splitQuery(req.url ?? '/');
      const session = registry.add(
        { library: 'ws', role: 'server', url, startedAt: now(), test: currentTest(), heartbeatTracked: true, framesSeen: true },
        query,
      );
      if (resolve(session, socket)) return;
      pending.set(socket, session);
      // Destroyed before ws took it (a refused handshake): no WebSocket, no session.
      socket.once('close', () => {
        const s = pending.get(socket);
        if (!s) return;
        pending.delete(socket);
        registry.drop(s);
      });
    });
  };

  /** Takes our listeners off a server: the next connection hooks it again if it has an 'upgrade' listener then. */
  const unhook = (server: Server): void => {
    server.off('removeListener', onRemoveListener);
    server.off('upgrade', onServerUpgrade);
    hooked.delete(server);
    for (const ref of hookedServers) if (ref.deref() === server) hookedServers.delete(ref);
  };

  // When the code's own 'upgrade' listeners are all gone (ws's WebSocketServer.close() removes
  // its own), ours must go too: while a server has any 'upgrade' listener, Node hands it every
  // upgrade request, where with none it answers them as plain requests (20, 22, 24).
  function onRemoveListener(this: Server, event: string | symbol): void {
    if (event !== 'upgrade') return;
    try {
      if (this.listeners('upgrade').every((l) => l === onServerUpgrade)) unhook(this);
    } catch (err) {
      debug(`WebSockets: a server's upgrade listeners not followed: ${(err as Error).message}`);
    }
  }

  const onServerSocket = (message: unknown): void => {
    try {
      const server = (message as { socket?: Socket & { server?: Server } }).socket?.server;
      if (!server || hooked.has(server) || typeof server.listenerCount !== 'function') return;
      if (server.listenerCount('upgrade') === 0) return;
      hooked.add(server);
      if (hookedServers.size >= 64) for (const ref of hookedServers) if (!ref.deref()) hookedServers.delete(ref);
      hookedServers.add(new WeakRef(server));
      server.on('removeListener', onRemoveListener);
      server.on('upgrade', onServerUpgrade);
    } catch (err) {
      debug(`WebSockets: a server not tracked: ${(err as Error).message}`);
    }
  };

  const stopPending = registry.beforeSnapshot(() => {
    for (const [socket, session] of pending) {
      if (resolve(session, socket)) pending.delete(socket);
      else if (now() - session.init.startedAt > SOCKET_LEVEL_AFTER_MS) {
        // Upgraded by something that is not ws (a hand-written handshake): what the socket shows.
        pending.delete(socket);
        session.init.heartbeatTracked = false;
        session.init.framesSeen = false;
        socketLevel(session, socket);
      }
    }
  });

  subscribe('http.client.request.start', onClientRequest);
  subscribe('net.server.socket', onServerSocket);
  return () => {
    unsubscribe('http.client.request.start', onClientRequest);
    unsubscribe('net.server.socket', onServerSocket);
    stopPending();
    for (const ref of hookedServers) {
      const server = ref.deref();
      if (server) unhook(server);
    }
    hookedServers.clear();
    pending.clear();
  };
}
