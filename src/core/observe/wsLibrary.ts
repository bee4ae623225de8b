// What only `ws`'s own WebSocket object knows: PINGs it sends, PONGs and frames it receives,
// its bufferedAmount, and how to PING or close it. `ws` stores that object on its socket under
// a private symbol (`Symbol('websocket')` in ws 2–8); it is found there by the symbol's
// description and checked for the shape used. A socket whose object is not found (another
// version, another library) stays tracked at the socket level with a note, never guessed at.
//
// Attached to a found object: listeners for 'message', 'ping', 'pong' and 'close' (none of which
// changes what ws does: it reads, answers PINGs and closes the same with or without them) and,
// for counting the code's PINGs, an own non-enumerable `ping` on the instance that calls the
// prototype's and counts after it returns. All removed again by detach().

import type { Socket } from 'node:net';
import type { TrackedSession, SessionAdapter } from './webSocketSession';

type Listener = (...args: unknown[]) => void;

/** The part of ws's WebSocket used here. */
export interface WsLike {
  readyState: number;
  bufferedAmount: number;
  ping(data?: unknown, mask?: boolean, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
  listeners(event: string): unknown[];
}

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

function looksLikeWs(value: unknown): value is WsLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.readyState === 'number' &&
    typeof v.ping === 'function' &&
    typeof v.close === 'function' &&
    typeof v.terminate === 'function' &&
    typeof v.on === 'function' &&
    typeof v.off === 'function' &&
    typeof v.once === 'function' &&
    typeof v.listeners === 'function'
  );
}

/** ws's WebSocket on this socket, or null (not a ws socket yet, or internals that differ). */
export function wsOnSocket(socket: Socket): WsLike | null {
  for (const sym of Object.getOwnPropertySymbols(socket)) {
    if (sym.description !== 'websocket') continue;
    const value = (socket as unknown as Record<symbol, unknown>)[sym];
    return looksLikeWs(value) ? value : null;
  }
  return null;
}

let probes = 0;

/** Wires a found ws object to its session; `onClose` ends the session with ws's close code. */
export function wsAdapter(ws: WsLike, socket: Socket, session: TrackedSession, now: () => number, onClose: (code: number | null) => void): SessionAdapter {
  const onMessage: Listener = () => session.inbound(now());
  const onPing: Listener = () => session.pingReceived(now());
  const onPong: Listener = () => session.pongReceived(now());
  const onWsClose: Listener = (code) => onClose(typeof code === 'number' ? code : null);
  ws.on('message', onMessage);
  ws.on('ping', onPing);
  ws.on('pong', onPong);
  ws.once('close', onWsClose);
  // The socket's end, for when ws's 'close' never reaches us: code that cleans up with
  // ws.removeAllListeners() takes ours too, and the session (its socket, ws, the ping wrapper)
  // would stay forever. ws's own socket listener runs first and says 'close' to those still
  // listening, so while ours is still on ws this does nothing.
  const onSocketClose = (): void => {
    if (!ws.listeners('close').includes(onWsClose)) onClose(null);
  };
  socket.once('close', onSocketClose);

  // The prototype's ping (never an own one someone else set): the wrapper calls it unchanged.
  const original = Object.prototype.hasOwnProperty.call(ws, 'ping') ? null : ws.ping;
  let wrapper: WsLike['ping'] | null = null;
  if (original) {
    wrapper = function (this: WsLike, ...args: Parameters<WsLike['ping']>) {
      // Exceptions (a PING before the handshake) reach the caller as they would without us.
      const result = original.apply(this, args);
      try {
        if (this.readyState === OPEN) session.pingSent(now());
      } catch {
        // Counting is best effort; the PING itself went out.
      }
      return result;
    };
    // Named and sized as the prototype's, for code that reads ws.ping.name or .length.
    Object.defineProperty(wrapper, 'name', { value: original.name });
    Object.defineProperty(wrapper, 'length', { value: original.length });
    Object.defineProperty(ws, 'ping', { value: wrapper, writable: true, configurable: true, enumerable: false });
  }
  const sendPing = original ?? ws.ping;

  return {
    socket,
    processBytes: () => (typeof ws.bufferedAmount === 'number' ? ws.bufferedAmount : socket.writableLength),
    readyState: () => (ws.readyState === OPEN ? 'open' : ws.readyState === CLOSING ? 'closing' : ws.readyState === CLOSED ? 'closed' : null),
    probe(timeoutMs) {
      return new Promise<number>((resolve, reject) => {
        if (ws.readyState !== OPEN) return reject(new Error('the WebSocket is not open'));
        // A payload of our own, so a PONG to the code's own heartbeat is not taken for ours.
        const payload = Buffer.from(`flake-doctor-probe-${process.pid}-${++probes}`);
        const started = performance.now();
        const onProbePong: Listener = (data) => {
          if (!Buffer.isBuffer(data) || !data.equals(payload)) return;
          finish();
          resolve(performance.now() - started);
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no PONG within ${timeoutMs} ms`));
        }, timeoutMs);
        timer.unref();
        const finish = (): void => {
          clearTimeout(timer);
          ws.off('pong', onProbePong);
        };
        ws.on('pong', onProbePong);
        // Sent with the prototype's ping: the code's own PING count is not ours to raise.
        sendPing.call(ws, payload, undefined, (err?: Error) => {
          if (!err) return;
          finish();
          reject(err);
        });
      });
    },
    close(code, reason) {
      return new Promise<string>((resolve) => {
        if (ws.readyState === CLOSED) return resolve('it was already closed');
        // A peer that does not read never completes the closing handshake: after a bound the
        // connection is dropped, as the relay's own Break does.
        const timer = setTimeout(() => {
          ws.off('close', done);
          ws.terminate();
          resolve('the peer did not complete the closing handshake within 2 s, so the connection was dropped');
        }, 2_000);
        timer.unref();
        const done: Listener = () => {
          clearTimeout(timer);
          resolve('the closing handshake completed');
        };
        ws.once('close', done);
        ws.close(code, reason);
      });
    },
    detach() {
      ws.off('message', onMessage);
      ws.off('ping', onPing);
      ws.off('pong', onPong);
      ws.off('close', onWsClose);
      socket.off('close', onSocketClose);
      // Only our own wrapper is removed; if the code replaced it since, its replacement stays.
      if (wrapper && (ws as { ping: unknown }).ping === wrapper) delete (ws as { ping?: unknown }).ping;
    },
  };
}
