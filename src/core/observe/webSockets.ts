// Observer of WebSockets in this process, both ends: `ws` clients and servers (and socket.io /
// engine.io, which ride on `ws`), and undici's WebSocket where the runtime has one. What Node
// publishes comes first (the client handshake on `http.client.request.start`, accepted sockets
// on `net.server.socket`, undici's `undici:websocket:*` channels); `ws`'s own WebSocket object
// is found on its socket only for what no channel shows (PINGs sent, PONGs received). Queue
// sizes (process and kernel) and the peer's pid are read only while a snapshot is built.

import type { BridgeActRequest, BridgeActResult } from '../bridge/types';
import type { Observer, ObserverFactory } from './observer';
import { SessionRegistry } from './webSocketRegistry';
import { watchUndiciWebSockets } from './undiciWebSocket';
import { watchWsUpgrades } from './wsUpgrades';
import type { ObservedRecord } from './observer';

/** One WebSocket of this process as published in the bridge snapshot. */
export interface ObservedWebSocket extends ObservedRecord {
  // id `ws:<n>`; subject `ws client ws://127.0.0.1:3000/feed` or `ws server /feed on 127.0.0.1:3000`.
  /** The library that owns it: `ws` (also under socket.io/engine.io) or undici's WebSocket. */
  library: 'ws' | 'undici';
  /** Set when the path or query says engine.io (socket.io) speaks over it. */
  via?: 'socket.io';
  role: 'client' | 'server';
  /** Client: the URL without its query (it may carry tokens). Server: the request path without its query. */
  url: string;
  local: { address: string; port: number } | null;
  /** The other end; `pid` when it is on this machine and visible to this user (the process itself included). */
  peer: { address: string; port: number; pid: number | null } | null;
  state: 'open' | 'closing' | 'closed';
  /** Present once closed (the recent list keeps the last few). */
  closedAt?: number;
  closeCode?: number | null;
  queue: WebSocketQueue;
  /** Last inbound frame (message, PING or PONG) or, where frames are not seen, last change of the socket's bytesRead; null: nothing yet. */
  lastInboundAt: number | null;
  /** PING/PONG counts; null where they cannot be seen (the note says why). */
  heartbeat: WebSocketHeartbeat | null;
  /** Why some fact is missing ("PONGs not attributed: undici before 7.12 publishes no instance"). */
  notes: string[];
}

export interface WebSocketQueue {
  /** Bytes written by the process and not yet handed to the kernel (ws/undici bufferedAmount, else socket.writableLength). */
  processBytes: number | null;
  /** The kernel's send queue for this connection (/proc/net/tcp tx_queue): sent but unacknowledged, or not yet sendable. */
  kernelSendBytes: number | null;
  /** The kernel's receive queue (/proc/net/tcp rx_queue): arrived but not read by this process. */
  kernelReceiveBytes: number | null;
  /** Since when (by the snapshots taken) the outbound queue has been non-empty and not shrinking; null when empty or shrinking. */
  growingSince: number | null;
}

export interface WebSocketHeartbeat {
  pingsSent: number;
  pongsReceived: number;
  pingsReceived: number;
  lastPingSentAt: number | null;
  lastPongAt: number | null;
  /** PINGs sent in a row without a PONG, not counting the newest (its PONG may be on its way): the relay's meaning. */
  missedPongs: number;
  /** The code's own heartbeat: the interval between its last two PINGs sent (or, when it sends none, received). */
  intervalMs: number | null;
}

export const observeWebSockets: ObserverFactory = (context) => {
  const registry = new SessionRegistry(context);
  const stops: Array<() => void> = [];
  try {
    stops.push(watchWsUpgrades(registry, context));
  } catch (err) {
    context.debug(`ws WebSockets: not tracked: ${(err as Error).message}`);
  }
  try {
    stops.push(watchUndiciWebSockets(registry, context));
  } catch (err) {
    context.debug(`undici WebSockets: not tracked: ${(err as Error).message}`);
  }
  const observer: Observer = {
    name: 'WebSockets',
    contribute(parts, now) {
      const sessions = registry.snapshot(now);
      if (sessions.length > 0) parts.webSockets = sessions;
    },
    onDidChange: (listener) => registry.onDidChange(listener),
    act(request: BridgeActRequest): Promise<BridgeActResult> | null {
      return registry.act(request);
    },
    dispose() {
      for (const stop of stops.splice(0)) stop();
      registry.dispose();
    },
  };
  return observer;
};
