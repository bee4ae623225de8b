// One connected peer: its writer, its keepalive (heartbeat PINGs, PONG replies, read
// deadline), its counters and its snapshot. Routing of messages is not here; the session
// hands inbound messages to the relay and offers `send()` to whoever routes.

import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { RawData, WebSocket } from 'ws';
import type { Payload } from './dataFrame';
import type { OutboundFrame } from './frameQueue';
import { PongReplyTimes } from './pongReplyTimes';
import type { Scheduler, TimerHandle } from './scheduler';
import { SessionWriter, type WriteResult } from './sessionWriter';
import { RelayCloseCode, type ClosedSessionRecord, type InboundFrameKind, type ResolvedRelayOptions, type SessionRole, type SessionSnapshot } from './types';

export interface SessionHost {
  options: ResolvedRelayOptions;
  scheduler: Scheduler;
  toEpoch: (t: number) => number;
  message(session: Session, data: Buffer, isBinary: boolean): void;
  closed(session: Session, record: ClosedSessionRecord): void;
  error(session: Session, message: string): void;
  /** Something a renderer shows changed (coalesced by the host). */
  changed(): void;
}

interface OutstandingPing {
  /** performance.now() at enqueue: the round trip includes any wait in our own queue. */
  sentAt: number;
  heartbeat: boolean;
  settle?: (rttMs: number | Error) => void;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export class Session {
  readonly connectedAt: number;
  readonly remoteAddress: string | null;
  readonly remotePort: number | null;
  /** Maintained by the dispatcher. */
  inFlightRequests = 0;
  readonly rejected = { backpressure: 0, badMessages: 0 };

  private readonly writer: SessionWriter;
  /** Kept as two fields (not an object per frame); `snapshot()` builds the object. */
  private lastInboundKind: InboundFrameKind | null = null;
  private lastInboundT: number;
  private lastPong: { rttMs: number; at: number } | null = null;
  private missedPongs = 0;
  private readonly pongReplies = new PongReplyTimes();
  private framesIn = 0;
  private framesOut = 0;
  private readonly pings = new Map<string, OutstandingPing>();
  private pingSeq = 0;
  private heartbeatTimer: TimerHandle | null = null;
  private readTimer: TimerHandle | null = null;
  private closeInfo: { code: number | null; reason: string | null; since: number; initiatedBy: 'relay' | 'peer' } | null = null;
  /** Set when the relay ends the session itself; wins over the 1006 `ws` reports for a destroyed socket. */
  private relayVerdict: { code: number; reason: string } | null = null;
  private lastError: string | null = null;
  private closed = false;
  private finalBytes: { in: number; out: number } | null = null;

  constructor(
    readonly id: string,
    readonly role: SessionRole,
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    private readonly host: SessionHost,
  ) {
    const { options, scheduler } = host;
    this.connectedAt = host.toEpoch(scheduler.now());
    this.lastInboundT = scheduler.now();
    this.remoteAddress = socket.remoteAddress ?? null;
    this.remotePort = socket.remotePort ?? null;
    this.writer = new SessionWriter(
      ws,
      socket,
      {
        limits: { frames: options.queueLimit, bytes: options.queueByteLimit, controlFrames: options.controlQueueLimit },
        highWaterMark: options.socketHighWaterMark,
        writeTimeoutMs: options.writeTimeoutMs,
        closeDrainMs: options.closeDrainMs,
        scheduler,
        toEpoch: host.toEpoch,
      },
      {
        writeTimeout: (write) => {
          this.end(
            RelayCloseCode.writeTimeout,
            `write timeout: ${write.label} not flushed to the socket within ${this.host.options.writeTimeoutMs} ms (peer not reading)`,
          );
          this.host.changed();
        },
        handedOver: (frame) => this.handedOver(frame),
      },
    );

    // `ws` echoes a peer's Close and answers protocol errors by calling `close()` on the
    // instance. Shadowing it routes those reactive Close frames through the writer too, so
    // the writer stays the only thing that writes.
    ws.close = (code?: number, data?: string | Buffer) => {
      this.beginClose(code, data === undefined ? '' : data.toString(), 'peer');
    };

    ws.on('message', (data, isBinary) => {
      this.inbound(isBinary ? 'binary' : 'text');
      this.host.message(this, toBuffer(data), isBinary);
    });
    ws.on('ping', (payload) => {
      this.inbound('ping');
      // Answered through the queue (autoPong is off on the server), so the PONG is framed by
      // the same writer as everything else and cannot be handed over mid-frame or twice.
      const result = this.writer.sendPong(payload, performance.now());
      if (!result.ok && result.limit === 'control') {
        this.beginClose(RelayCloseCode.controlQueueOverflow, 'control queue overflow: peer sends PINGs without reading PONGs', 'relay');
      }
    });
    ws.on('pong', (payload) => {
      this.inbound('pong');
      this.pongReceived(payload);
    });
    ws.on('error', (error) => {
      this.lastError = error.message;
      this.host.error(this, error.message);
    });
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));

    this.armReadDeadline(options.readTimeoutMs);
    if (options.heartbeatIntervalMs > 0) this.scheduleHeartbeat();
  }

  get isOpen(): boolean {
    return !this.closed && !this.writer.isClosing;
  }

  /** Queue a message for this peer. A full queue is an immediate `ok: false`, never a wait. */
  send(payload: Payload, binary = false): WriteResult {
    return this.writer.sendData(payload, binary);
  }

  /** Send a PING through the queue and resolve with the round trip in ms when its PONG arrives. */
  probe(timeoutMs = this.host.options.probeTimeoutMs): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const payload = this.nextPingPayload();
      const key = payload.toString('hex');
      const timer = this.host.scheduler.setTimer(() => {
        this.pings.delete(key);
        reject(new Error(`probe of session ${this.id}: no PONG within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pings.set(key, {
        sentAt: performance.now(),
        heartbeat: false,
        settle: (outcome) => {
          this.host.scheduler.clearTimer(timer);
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        },
      });
      const result = this.writer.sendPing(payload);
      if (!result.ok) {
        this.pings.delete(key);
        this.host.scheduler.clearTimer(timer);
        reject(new Error(`probe of session ${this.id}: cannot queue PING (${result.limit})`));
      }
    });
  }

  /** Queue a Close and destroy the socket after `closeDrainMs` if the handshake does not finish. */
  close(code: number, reason: string): void {
    this.beginClose(code, reason, 'relay');
  }

  /** Resolves once the socket has closed. */
  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.ws.once('close', () => resolve()));
  }

  snapshot(): SessionSnapshot {
    const bytes = this.finalBytes ?? { in: this.socket.bytesRead, out: this.socket.bytesWritten };
    return {
      id: this.id,
      role: this.role,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
      connectedAt: this.connectedAt,
      lastInbound: this.lastInboundKind === null ? null : { kind: this.lastInboundKind, at: this.host.toEpoch(this.lastInboundT) },
      lastPong: this.lastPong ? { ...this.lastPong } : null,
      missedPongs: this.missedPongs,
      pongReply: this.pongReplies.summary(),
      queue: {
        frames: this.writer.queuedFrames,
        bytes: this.writer.queuedBytes,
        controlFrames: this.writer.queuedControlFrames,
        limitFrames: this.host.options.queueLimit,
        limitBytes: this.host.options.queueByteLimit,
      },
      bufferedAmount: this.writer.bufferedAmount,
      bytesIn: bytes.in,
      bytesOut: bytes.out,
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      writeDeadline: this.writer.deadlineSnapshot(),
      closing: {
        state: this.closed ? 'closed' : this.closeInfo ? 'closing' : 'open',
        code: this.closeInfo?.code ?? null,
        reason: this.closeInfo?.reason ?? null,
        since: this.closeInfo?.since ?? null,
        initiatedBy: this.closeInfo?.initiatedBy ?? null,
      },
      inFlightRequests: this.inFlightRequests,
      rejected: { ...this.rejected },
    };
  }

  /** End the session now with the relay's own code (write/read timeout): no Close can get through. */
  private end(code: number, reason: string): void {
    if (this.closed) return;
    this.relayVerdict ??= { code, reason };
    this.closeInfo ??= { code, reason, since: this.host.toEpoch(this.host.scheduler.now()), initiatedBy: 'relay' };
    this.writer.terminate();
  }

  private beginClose(code: number | undefined, reason: string, initiatedBy: 'relay' | 'peer'): void {
    if (this.closed || this.closeInfo) return;
    if (initiatedBy === 'relay' && code !== undefined) this.relayVerdict = { code, reason };
    this.closeInfo = { code: code ?? null, reason, since: this.host.toEpoch(this.host.scheduler.now()), initiatedBy };
    this.writer.close(code, reason);
    this.host.changed();
  }

  private inbound(kind: InboundFrameKind): void {
    this.framesIn += 1;
    this.lastInboundT = this.host.scheduler.now();
    this.lastInboundKind = kind;
  }

  private handedOver(frame: OutboundFrame): void {
    this.framesOut += 1;
    if (frame.kind === 'pong' && frame.readAt !== undefined) this.pongReplies.record(performance.now() - frame.readAt);
    if (frame.kind === 'close') this.host.changed();
  }

  private nextPingPayload(): Buffer {
    // Session-unique payloads let a PONG be matched to its PING (RFC 6455 echoes the payload).
    const payload = Buffer.allocUnsafe(8);
    payload.writeBigUInt64BE(BigInt(++this.pingSeq));
    return payload;
  }

  private pongReceived(payload: Buffer): void {
    const key = payload.toString('hex');
    const ping = this.pings.get(key);
    if (!ping) return; // unsolicited PONG (allowed by RFC 6455 as a unidirectional heartbeat)
    this.pings.delete(key);
    const rttMs = performance.now() - ping.sentAt;
    this.lastPong = { rttMs, at: this.host.toEpoch(this.host.scheduler.now()) };
    this.missedPongs = 0;
    ping.settle?.(rttMs);
    this.host.changed();
  }

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = this.host.scheduler.setTimer(() => {
      this.heartbeatTimer = null;
      if (this.closed) return;
      this.heartbeat();
      this.scheduleHeartbeat();
    }, this.host.options.heartbeatIntervalMs);
  }

  private heartbeat(): void {
    let missed = false;
    for (const [key, ping] of this.pings) {
      if (ping.heartbeat) {
        // Only the previous heartbeat can be outstanding; each one counts as missed once.
        this.pings.delete(key);
        missed = true;
      }
    }
    if (missed) {
      this.missedPongs += 1;
      this.host.changed();
    }
    const payload = this.nextPingPayload();
    this.pings.set(payload.toString('hex'), { sentAt: performance.now(), heartbeat: true });
    this.writer.sendPing(payload);
  }

  private armReadDeadline(ms: number): void {
    this.readTimer = this.host.scheduler.setTimer(() => this.checkReadDeadline(), ms);
  }

  private checkReadDeadline(): void {
    this.readTimer = null;
    if (this.closed) return;
    const timeoutMs = this.host.options.readTimeoutMs;
    const silentFor = this.host.scheduler.now() - this.lastInboundT;
    if (silentFor < timeoutMs) {
      // Frames arrived since this timer was armed; wait out the rest of the new deadline
      // rather than re-arming a timer on every inbound frame.
      this.armReadDeadline(timeoutMs - silentFor);
      return;
    }
    this.end(RelayCloseCode.readTimeout, `read timeout: no frame from the peer for ${silentFor} ms (half-open connection?)`);
  }

  private onClose(wsCode: number, wsReason: string): void {
    if (this.closed) return;
    this.finalBytes = { in: this.socket.bytesRead, out: this.socket.bytesWritten };
    this.closed = true;
    this.writer.finish();
    for (const timer of [this.heartbeatTimer, this.readTimer]) {
      if (timer !== null) this.host.scheduler.clearTimer(timer);
    }
    this.heartbeatTimer = null;
    this.readTimer = null;
    for (const ping of this.pings.values()) {
      ping.settle?.(new Error(`session ${this.id} closed before its PONG arrived`));
    }
    this.pings.clear();
    // A protocol error makes `ws` queue a Close (through us) and then see no echo, so it
    // reports 1006; the code we sent is the truthful one.
    const sentCode = wsCode === 1006 ? (this.closeInfo?.code ?? null) : null;
    const code = this.relayVerdict?.code ?? sentCode ?? wsCode;
    let reason = this.relayVerdict?.reason ?? wsReason;
    if (!reason && this.lastError) reason = this.lastError;
    if (!reason && wsCode === 1006) reason = 'connection lost without a Close frame';
    this.host.closed(this, {
      id: this.id,
      role: this.role,
      remoteAddress: this.remoteAddress,
      connectedAt: this.connectedAt,
      closedAt: this.host.toEpoch(this.host.scheduler.now()),
      code,
      reason,
    });
  }
}
