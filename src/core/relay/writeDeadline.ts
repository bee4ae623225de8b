// Per-write deadlines for one session's socket.
//
// The origin's bug: a deadline was set when a data frame was written and stayed on the
// connection, so a PONG written after an idle gap longer than the write timeout inherited an
// already-expired deadline and killed a healthy session. Here a deadline belongs to a frame,
// not to the connection: every frame handed to the socket gets `handedAt + timeoutMs`, the
// frame's own write callback retires it, and when nothing is in flight nothing is armed.
//
// Socket write callbacks complete in order, so the oldest unfinished frame is always the one
// that can be overdue. One timer covers it; when the head retires, the timer is left to fire
// (it is never later than the new head's due time) and re-checks the head it finds then, so
// a busy session does not pay a clearTimeout/setTimeout pair per frame.

import { Fifo } from './fifo';
import type { Scheduler, TimerHandle } from './scheduler';
import type { WriteDeadlineSnapshot } from './types';

interface InFlightWrite {
  seq: number;
  handedAt: number;
  label: string;
  /** When set, the label reads `<label> (<bytes> B)`; built only if the write goes overdue. */
  bytes: number | undefined;
}

function describe(write: InFlightWrite): string {
  return write.bytes === undefined ? write.label : `${write.label} (${write.bytes} B)`;
}

export interface OverdueWrite {
  label: string;
  handedAt: number;
  waitedMs: number;
}

export class WriteDeadline {
  private readonly inFlight = new Fifo<InFlightWrite>();
  /** Writes retired out of order (a failed write can call back early); skipped at the head. */
  private readonly retiredEarly = new Set<number>();
  private seq = 0;
  private timer: TimerHandle | null = null;
  private overdue: OverdueWrite | null = null;
  private disposed = false;

  constructor(
    readonly timeoutMs: number,
    private readonly scheduler: Scheduler,
    private readonly onOverdue: (write: OverdueWrite) => void,
    /** Converts scheduler time to epoch ms for snapshots. */
    private readonly toEpoch: (t: number) => number = (t) => t,
  ) {}

  get pending(): number {
    return this.inFlight.length - this.retiredEarly.size;
  }

  /**
   * A frame was just handed to the socket; returns the token its write callback must retire.
   * With `bytes`, the overdue label is `<label> (<bytes> B)` (formatted only if it is needed).
   */
  handOver(label: string, bytes?: number): number {
    const seq = ++this.seq;
    this.inFlight.push({ seq, handedAt: this.scheduler.now(), label, bytes });
    if (this.timer === null && !this.disposed) this.arm(this.timeoutMs);
    return seq;
  }

  /** The frame's write completed (or failed: either way it no longer waits on the socket). */
  retire(seq: number): void {
    const head = this.inFlight.peek();
    if (head && head.seq === seq) {
      this.inFlight.shift();
      this.dropRetiredHeads();
    } else {
      this.retiredEarly.add(seq);
    }
    if (this.inFlight.length === 0) this.disarm();
  }

  snapshot(): WriteDeadlineSnapshot {
    const head = this.inFlight.peek();
    if (!head) {
      return { state: this.overdue ? 'overdue' : 'idle', inFlight: 0, oldestHandedAt: null, dueAt: null, timeoutMs: this.timeoutMs };
    }
    const dueAt = head.handedAt + this.timeoutMs;
    const late = this.overdue !== null || this.scheduler.now() >= dueAt;
    return {
      state: late ? 'overdue' : 'armed',
      inFlight: this.pending,
      oldestHandedAt: this.toEpoch(head.handedAt),
      dueAt: this.toEpoch(dueAt),
      timeoutMs: this.timeoutMs,
    };
  }

  dispose(): void {
    this.disposed = true;
    this.disarm();
  }

  private dropRetiredHeads(): void {
    let head = this.inFlight.peek();
    while (head && this.retiredEarly.delete(head.seq)) {
      this.inFlight.shift();
      head = this.inFlight.peek();
    }
  }

  private arm(ms: number): void {
    this.timer = this.scheduler.setTimer(() => this.check(), ms);
  }

  private disarm(): void {
    if (this.timer !== null) {
      this.scheduler.clearTimer(this.timer);
      this.timer = null;
    }
  }

  private check(): void {
    this.timer = null;
    if (this.disposed) return;
    const head = this.inFlight.peek();
    if (!head) return;
    const now = this.scheduler.now();
    const dueAt = head.handedAt + this.timeoutMs;
    if (now < dueAt) {
      // The frame this timer was armed for has retired; this one has its own, later due time.
      this.arm(dueAt - now);
      return;
    }
    this.overdue = { label: describe(head), handedAt: head.handedAt, waitedMs: now - head.handedAt };
    this.onOverdue(this.overdue);
  }
}
