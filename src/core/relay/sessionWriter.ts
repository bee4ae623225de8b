// The one writer of a session. Nothing else in the relay writes to the session's socket:
// data, heartbeat PINGs, PONG replies and Close frames are all queued here and handed over
// whole, one frame at a time, by `pump()`. Data frames are framed here (dataFrame.ts) and
// written to the socket as their pieces; PING, PONG and Close go through `ws`. Both write to
// the same socket in call order, so a frame can never be split by another.
//
// Why a high-water mark instead of "write everything immediately": once bytes are in the
// socket's buffer their order is fixed. Holding data frames in our own two-lane queue while the
// socket already has `highWaterMark` bytes buffered keeps the order still changeable, so a
// PONG can be handed over ahead of megabytes of queued data — at a frame boundary, never
// inside a frame, because a frame's chunks are handed over in one synchronous run.
//
// Control frames (PONG, PING, Close) do not wait for the high-water mark: they are handed over
// the moment they are queued, so a PONG leaves within the event-loop turn that read its PING,
// behind at most the high-water mark plus one data frame — never behind the queue. Waiting for
// a write callback to drop the buffered amount below the mark (as data does) cost a PONG a
// whole socket drain behind a backlog. Their own bound: at most `controlFrames` handed over
// and not yet written; past it they wait in the control lane, which overflows as before for a
// peer that PINGs without ever reading.
//
// One turn's worth of data at a time: a write the kernel takes at once completes on the next
// tick, and if that completion handed over the next data frame, a fast-accepting socket would
// be fed frame after frame from the tick queue without the event loop ever polling — megabytes
// went to the kernel while a PING sat unread, and its PONG then queued behind all of them. So
// a completion hands over only control frames; queued data continues on the next event-loop
// turn (`nextTurn`, setImmediate), after the poll phase has read whatever PINGs arrived. Per
// turn the writer thus hands the kernel at most the high-water mark plus one frame from its
// queue.
//
// Batching: every frame handed over in one turn of the event loop (a socket read can carry
// dozens of requests) goes to the kernel in one writev: the writer corks the socket at the
// first hand-over and uncorks it on the next tick. Loopback writes cost tens of µs each in the
// kernel, which dominated the relay's CPU when every frame was its own syscall. Corking only
// merges writes; it does not reorder them, and corked bytes count in `bufferedAmount`, so the
// high-water mark still applies.

import { WebSocket } from 'ws';
import { dataFrameChunks, type Payload } from './dataFrame';
import { FrameQueue, frameBytes, type FrameQueueLimits, type OutboundFrame } from './frameQueue';
import type { Scheduler, TimerHandle } from './scheduler';
import { WriteDeadline, type OverdueWrite } from './writeDeadline';
import type { WriteDeadlineSnapshot } from './types';

export type WriteResult = { ok: true } | { ok: false; limit: 'frames' | 'bytes' | 'control' | 'closed' };

export interface SessionWriterOptions {
  limits: FrameQueueLimits;
  highWaterMark: number;
  writeTimeoutMs: number;
  closeDrainMs: number;
  scheduler: Scheduler;
  toEpoch: (t: number) => number;
  /** Runs `fn` on the next event-loop turn, after I/O has been polled (setImmediate; injected by tests). */
  nextTurn?: (fn: () => void) => void;
}

/** The socket under `ws`: data frames are written to it, hand-overs batched per tick. */
export interface FrameSocket {
  cork(): void;
  uncork(): void;
  write(chunk: Buffer, callback?: (error?: Error | null) => void): boolean;
}

function uncorkWriter(writer: SessionWriter): void {
  writer.uncork();
}

const immediately = (fn: () => void): void => {
  setImmediate(fn);
};

export interface SessionWriterHooks {
  /** A handed-over frame was not flushed in time; the session must go. */
  writeTimeout(write: OverdueWrite): void;
  /** A frame has left the queue for the socket (for counters and RTT bookkeeping). */
  handedOver(frame: OutboundFrame): void;
}

/** `WebSocket.prototype.close`, kept aside because the session shadows `close` on the instance. */
const wsClose = WebSocket.prototype.close;

export class SessionWriter {
  private readonly queue: FrameQueue;
  private readonly deadline: WriteDeadline;
  private pumping = false;
  private closeQueued = false;
  private drainTimer: TimerHandle | null = null;
  private finished = false;
  private corked = false;
  /** A pump is scheduled for the next event-loop turn. */
  private turnScheduled = false;
  private readonly nextTurn: (fn: () => void) => void;
  /** PING/PONG frames handed to the socket whose write has not completed yet. */
  private controlInFlight = 0;
  droppedOnClose = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: FrameSocket,
    private readonly options: SessionWriterOptions,
    private readonly hooks: SessionWriterHooks,
  ) {
    this.nextTurn = options.nextTurn ?? immediately;
    this.queue = new FrameQueue(options.limits);
    this.deadline = new WriteDeadline(options.writeTimeoutMs, options.scheduler, (write) => this.hooks.writeTimeout(write), options.toEpoch);
  }

  get queuedFrames(): number {
    return this.queue.frames;
  }

  get queuedBytes(): number {
    return this.queue.bytes;
  }

  get queuedControlFrames(): number {
    return this.queue.controlFrames;
  }

  get isClosing(): boolean {
    return this.closeQueued;
  }

  get bufferedAmount(): number {
    return this.finished ? 0 : this.ws.bufferedAmount;
  }

  deadlineSnapshot(): WriteDeadlineSnapshot {
    return this.deadline.snapshot();
  }

  sendData(payload: Payload, binary = false): WriteResult {
    return this.enqueue({ kind: 'data', payload, binary });
  }

  sendPing(payload: Buffer): WriteResult {
    return this.enqueue({ kind: 'ping', payload });
  }

  sendPong(payload: Buffer, readAt?: number): WriteResult {
    return this.enqueue(readAt === undefined ? { kind: 'pong', payload } : { kind: 'pong', payload, readAt });
  }

  /**
   * Queue a Close (ahead of data; queued data is dropped, since nothing may follow a Close)
   * and destroy the socket if the handshake has not completed within `closeDrainMs`. The drain
   * clock starts now, not at hand-over: a socket that is too backed up to take the Close frame
   * at all must still go away.
   */
  close(code: number | undefined, reason: string): boolean {
    if (this.closeQueued || this.finished) return false;
    this.closeQueued = true;
    this.droppedOnClose += this.queue.dropData();
    this.queue.enqueue({ kind: 'close', code, reason });
    this.drainTimer = this.options.scheduler.setTimer(() => {
      this.drainTimer = null;
      this.terminate();
    }, this.options.closeDrainMs);
    this.pump();
    return true;
  }

  /** Destroy the socket now (half-open peer, write timeout, drain expired). */
  terminate(): void {
    if (this.finished) return;
    this.ws.terminate();
  }

  /** The socket has closed: release everything, leave nothing armed. */
  finish(): void {
    this.finished = true;
    this.deadline.dispose();
    if (this.drainTimer !== null) {
      this.options.scheduler.clearTimer(this.drainTimer);
      this.drainTimer = null;
    }
    this.queue.clear();
  }

  private enqueue(frame: OutboundFrame): WriteResult {
    if (this.closeQueued || this.finished) return { ok: false, limit: 'closed' };
    const result = this.queue.enqueue(frame);
    if (result.ok) this.pump();
    return result;
  }

  /**
   * Hands frames to the socket: control frames while fewer than the bound are in flight, then,
   * if `data`, data frames while the socket holds less than the high-water mark.
   */
  private pump(data = true): void {
    // Re-entrancy guard: a hand-over never calls back synchronously today, but the loop must
    // stay the only place frames leave the queue even if that changes.
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.finished && this.ws.readyState === WebSocket.OPEN) {
        // Control first and regardless of the buffered amount (see the top of this file).
        const control = this.queue.controlFrames > 0 && this.controlInFlight < this.options.limits.controlFrames;
        if (!control && (!data || this.queue.isEmpty || this.ws.bufferedAmount >= this.options.highWaterMark)) break;
        const frame = this.queue.next();
        if (frame) this.handOver(frame);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** The next turn's share of queued data (scheduled by a write completion). */
  private readonly turnPump = (): void => {
    this.turnScheduled = false;
    this.pump();
  };

  /** End of the tick's batch: flush everything handed over since the cork. */
  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  private handOver(frame: OutboundFrame): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(uncorkWriter, this);
    }
    this.hooks.handedOver(frame);
    if (frame.kind === 'close') {
      // `ws` gives no per-frame callback for Close; the drain timer bounds it instead.
      wsClose.call(this.ws, frame.code, frame.reason);
      return;
    }
    const token = this.deadline.handOver(frame.kind, frameBytes(frame));
    const isControl = frame.kind !== 'data';
    if (isControl) this.controlInFlight += 1;
    const written = (): void => this.written(token, isControl);
    switch (frame.kind) {
      case 'data':
        this.writeData(frame.payload, frame.binary, written);
        break;
      case 'ping':
        this.ws.ping(frame.payload, false, written);
        break;
      case 'pong':
        this.ws.pong(frame.payload, false, written);
        break;
    }
  }

  /** One data frame's chunks, written back to back (so nothing can come between them). */
  private writeData(payload: Payload, binary: boolean, written: () => void): void {
    const chunks = dataFrameChunks(payload, binary);
    const last = chunks.length - 1;
    for (let i = 0; i < last; i += 1) this.socket.write(chunks[i] as Buffer);
    this.socket.write(chunks[last] as Buffer, written);
  }

  private written(token: number, isControl: boolean): void {
    // A failed write also retires its frame: the socket error closes the session on its own
    // path, and the frame must not keep a deadline armed meanwhile.
    this.deadline.retire(token);
    if (isControl) this.controlInFlight -= 1;
    // Control frames waiting for the in-flight bound go now; data waits for the next turn (see
    // the top of this file).
    if (this.queue.controlFrames > 0) this.pump(false);
    if (!this.turnScheduled && !this.finished && this.queue.frames > this.queue.controlFrames) {
      this.turnScheduled = true;
      this.nextTurn(this.turnPump);
    }
  }
}
