// The bounded outbound queue of one session. Two lanes, because the point of the queue is
// ordering: control frames (PONG replies, heartbeat PINGs, Close) may overtake queued data,
// but only at frame boundaries, since the writer hands over whole frames; data frames keep
// their relative order. Both lanes are bounded: a full data lane is an immediate
// backpressure result for the caller (never a wait), and a full control lane means the peer
// pings faster than it reads, which the session treats as a protocol failure.

import { payloadBytes, type Payload } from './dataFrame';
import { Fifo } from './fifo';

export type OutboundFrame =
  | { kind: 'data'; payload: Payload; binary: boolean }
  | { kind: 'ping'; payload: Buffer }
  /** readAt: performance.now() when the PING it answers was read (for the PONG reply time). */
  | { kind: 'pong'; payload: Buffer; readAt?: number }
  | { kind: 'close'; code: number | undefined; reason: string };

export type EnqueueResult = { ok: true } | { ok: false; limit: 'frames' | 'bytes' | 'control' };

export interface FrameQueueLimits {
  frames: number;
  bytes: number;
  controlFrames: number;
}

/** Payload bytes a frame will put on the wire (headers excluded; they are a few bytes). */
export function frameBytes(frame: OutboundFrame): number {
  if (frame.kind === 'data') return payloadBytes(frame.payload);
  if (frame.kind !== 'close') return frame.payload.length;
  return frame.code === undefined ? 0 : 2 + Buffer.byteLength(frame.reason);
}

export class FrameQueue {
  private readonly control = new Fifo<OutboundFrame>();
  private readonly data = new Fifo<OutboundFrame>();
  private dataBytes = 0;
  private controlBytes = 0;

  constructor(readonly limits: FrameQueueLimits) {}

  get frames(): number {
    return this.control.length + this.data.length;
  }

  get bytes(): number {
    return this.dataBytes + this.controlBytes;
  }

  get controlFrames(): number {
    return this.control.length;
  }

  get isEmpty(): boolean {
    return this.control.length === 0 && this.data.length === 0;
  }

  enqueue(frame: OutboundFrame): EnqueueResult {
    const size = frameBytes(frame);
    if (frame.kind !== 'data') {
      // A Close is exempt from the bound: it is what ends an overflowing session, and the
      // writer queues at most one.
      if (frame.kind !== 'close' && this.control.length >= this.limits.controlFrames) {
        return { ok: false, limit: 'control' };
      }
      this.control.push(frame);
      this.controlBytes += size;
      return { ok: true };
    }
    if (this.data.length >= this.limits.frames) return { ok: false, limit: 'frames' };
    if (this.dataBytes + size > this.limits.bytes) return { ok: false, limit: 'bytes' };
    this.data.push(frame);
    this.dataBytes += size;
    return { ok: true };
  }

  /** Next frame to hand to the socket: control first, then data in arrival order. */
  next(): OutboundFrame | undefined {
    const control = this.control.shift();
    if (control) {
      this.controlBytes -= frameBytes(control);
      return control;
    }
    const data = this.data.shift();
    if (data) this.dataBytes -= frameBytes(data);
    return data;
  }

  /** Drop queued data (after a Close nothing more may be sent); returns how many were dropped. */
  dropData(): number {
    const dropped = this.data.clear().length;
    this.dataBytes = 0;
    return dropped;
  }

  clear(): void {
    this.control.clear();
    this.data.clear();
    this.dataBytes = 0;
    this.controlBytes = 0;
  }
}
