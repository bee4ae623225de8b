// One WebSocket being tracked: the facts that arrive with events (frames in, PINGs out, PONGs
// back) kept as a few numbers, and the facts read only when a snapshot is built (queues, the
// socket's bytesRead). Holds its socket and library object only while open; once closed only a
// plain published record is kept, in the registry's short recent list.

import type { Socket } from 'node:net';
import type { TestRef } from './testContext';
import type { ObservedWebSocket, WebSocketHeartbeat } from './webSockets';

/** What a library adapter (ws, undici) gives the session; every method is guarded by the caller. */
export interface SessionAdapter {
  readonly socket: Socket | null;
  /** Bytes the library holds or the socket buffers for sending (bufferedAmount / writableLength). */
  processBytes(): number | null;
  /** 'open' / 'closing' as the library says; null when it cannot say. */
  readyState(): 'open' | 'closing' | 'closed' | null;
  /** PING and wait for the PONG (bounded); resolves to the round trip in ms. Absent: Probe is not possible, `why` says why. */
  probe?(timeoutMs: number): Promise<number>;
  /** Close with a code from the relay's block; resolves to what happened. */
  close?(code: number, reason: string): Promise<string>;
  /** Why Probe or Break is unavailable, for the error a person reads. */
  readonly unsupported?: { probe?: string; close?: string };
  /** Undoes whatever the adapter attached (listeners, the instance's ping wrapper). */
  detach(): void;
}

export interface SessionInit {
  library: ObservedWebSocket['library'];
  role: ObservedWebSocket['role'];
  url: string;
  startedAt: number;
  test: TestRef | null;
  /** Whether PING/PONG frames are seen for this session (null heartbeat otherwise). */
  heartbeatTracked: boolean;
  /** Whether inbound frames are seen as events (otherwise the socket's bytesRead is sampled). */
  framesSeen: boolean;
  notes?: string[];
}

/** The engine.io handshake's marks: its default path and its protocol-version query. */
function viaSocketIo(url: string, query: string): 'socket.io' | undefined {
  return url.includes('/socket.io/') || /(^|[?&])EIO=/.test(query) ? 'socket.io' : undefined;
}

export class TrackedSession {
  adapter: SessionAdapter | null = null;
  state: ObservedWebSocket['state'] = 'open';
  closeCode: number | null = null;
  closedAt: number | null = null;
  readonly via: 'socket.io' | undefined;
  readonly notes: string[];
  private lastInboundAt: number | null = null;
  private lastBytesRead = -1;
  private pingsSent = 0;
  private pongsReceived = 0;
  private pingsReceived = 0;
  private lastPingSentAt: number | null = null;
  private prevPingSentAt: number | null = null;
  private lastPingReceivedAt: number | null = null;
  private prevPingReceivedAt: number | null = null;
  private lastPongAt: number | null = null;
  private pingsSinceLastPong = 0;
  private lastQueue = -1;
  private growingSince: number | null = null;
  local: ObservedWebSocket['local'] = null;
  peer: ObservedWebSocket['peer'] = null;
  /** When the peer's pid was last looked for in vain (looked for again after a while). */
  peerLookedAt = -Infinity;

  constructor(
    readonly id: string,
    readonly init: SessionInit,
    query = '',
  ) {
    this.via = viaSocketIo(init.url, query);
    this.notes = [...(init.notes ?? [])];
  }

  inbound(now: number): void {
    this.lastInboundAt = now;
  }

  pingSent(now: number): void {
    this.pingsSent++;
    this.pingsSinceLastPong++;
    this.prevPingSentAt = this.lastPingSentAt;
    this.lastPingSentAt = now;
  }

  pingReceived(now: number): void {
    this.pingsReceived++;
    this.prevPingReceivedAt = this.lastPingReceivedAt;
    this.lastPingReceivedAt = now;
    this.lastInboundAt = now;
  }

  pongReceived(now: number): void {
    this.pongsReceived++;
    this.pingsSinceLastPong = 0;
    this.lastPongAt = now;
    this.lastInboundAt = now;
  }

  /** The socket's addresses, once connected (they do not change afterwards). */
  readAddresses(): void {
    const s = this.adapter?.socket;
    if (!s || this.local) return;
    if (typeof s.localAddress === 'string' && typeof s.localPort === 'number') this.local = { address: s.localAddress, port: s.localPort };
    if (typeof s.remoteAddress === 'string' && typeof s.remotePort === 'number') this.peer = { address: s.remoteAddress, port: s.remotePort, pid: null };
  }

  /** Samples what is read only while a snapshot is built: process queue, socket bytesRead, queue growth. */
  sample(now: number, kernel: { sendBytes: number; receiveBytes: number } | null): ObservedWebSocket['queue'] {
    const adapter = this.adapter;
    let processBytes: number | null = null;
    if (adapter) {
      processBytes = adapter.processBytes();
      const ready = adapter.readyState();
      if (ready === 'closing' && this.state === 'open') this.state = 'closing';
      const bytesRead = adapter.socket?.bytesRead;
      if (!this.init.framesSeen && typeof bytesRead === 'number') {
        // The best this session allows: the first snapshot that sees new bytes dates them.
        if (this.lastBytesRead >= 0 && bytesRead !== this.lastBytesRead) this.lastInboundAt = now;
        this.lastBytesRead = bytesRead;
      }
    }
    const outbound = (processBytes ?? 0) + (kernel?.sendBytes ?? 0);
    if (outbound === 0) this.growingSince = null;
    else if (this.lastQueue < 0 || outbound < this.lastQueue) this.growingSince = now;
    else this.growingSince ??= now;
    this.lastQueue = outbound;
    return {
      processBytes,
      kernelSendBytes: kernel?.sendBytes ?? null,
      kernelReceiveBytes: kernel?.receiveBytes ?? null,
      growingSince: this.growingSince,
    };
  }

  heartbeat(): WebSocketHeartbeat | null {
    if (!this.init.heartbeatTracked) return null;
    const sentInterval = this.prevPingSentAt !== null && this.lastPingSentAt !== null ? this.lastPingSentAt - this.prevPingSentAt : null;
    const receivedInterval = this.prevPingReceivedAt !== null && this.lastPingReceivedAt !== null ? this.lastPingReceivedAt - this.prevPingReceivedAt : null;
    return {
      pingsSent: this.pingsSent,
      pongsReceived: this.pongsReceived,
      pingsReceived: this.pingsReceived,
      lastPingSentAt: this.lastPingSentAt,
      lastPongAt: this.lastPongAt,
      missedPongs: Math.max(0, this.pingsSinceLastPong - 1),
      intervalMs: sentInterval ?? receivedInterval,
    };
  }

  subject(): string {
    const who = this.init.library === 'undici' ? 'undici WebSocket' : this.via ? 'socket.io' : 'ws';
    if (this.init.role === 'client') return `${who} client ${this.init.url}`;
    return `${who} server ${this.init.url}${this.local ? ` on ${this.local.address}:${this.local.port}` : ''}`;
  }

  publish(queue: ObservedWebSocket['queue']): ObservedWebSocket {
    return {
      id: this.id,
      subject: this.subject(),
      startedAt: this.init.startedAt,
      test: this.init.test,
      library: this.init.library,
      ...(this.via ? { via: this.via } : {}),
      role: this.init.role,
      url: this.init.url,
      local: this.local,
      peer: this.peer ? { ...this.peer } : null,
      state: this.state,
      ...(this.closedAt !== null ? { closedAt: this.closedAt, closeCode: this.closeCode } : {}),
      queue,
      lastInboundAt: this.lastInboundAt,
      heartbeat: this.heartbeat(),
      notes: [...this.notes],
    };
  }
}
