// Bounds the HTTP upgrade handshake. A peer that opens a connection and dribbles its request
// (slowloris), or never finishes it, would otherwise hold a socket until Node's own
// headersTimeout — checked only every 30 s, so cuts came ~60–90 s late — and keep `close()`
// waiting all that time. Timers run on the relay's scheduler so tests drive them.

import type { Socket } from 'node:net';
import type { Scheduler, TimerHandle } from './scheduler';

export interface HandshakeCounts {
  /** Connections whose upgrade request has not arrived in full yet. */
  pending: number;
  /** Connections cut because their handshake took longer than `timeoutMs`. */
  timedOut: number;
  timeoutMs: number;
}

export class HandshakeGuard {
  private readonly pending = new Map<Socket, TimerHandle>();
  private timedOut = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly scheduler: Scheduler,
    private readonly onTimeout: () => void,
  ) {}

  /** A new connection: it has `timeoutMs` to complete its request headers. */
  watch(socket: Socket): void {
    const timer = this.scheduler.setTimer(() => {
      if (!this.pending.delete(socket)) return;
      this.timedOut += 1;
      // No WebSocket exists yet, so there is no close code to send: destroy the socket.
      socket.destroy();
      this.onTimeout();
    }, this.timeoutMs);
    this.pending.set(socket, timer);
    socket.once('close', () => this.settle(socket));
  }

  /** The request arrived in full (an upgrade or a plain request): the bound no longer applies. */
  settle(socket: Socket): void {
    const timer = this.pending.get(socket);
    if (timer === undefined) return;
    this.pending.delete(socket);
    this.scheduler.clearTimer(timer);
  }

  /** Cuts every connection still in its handshake (the relay is closing or restarting). */
  destroyAll(): void {
    for (const [socket, timer] of this.pending) {
      this.scheduler.clearTimer(timer);
      socket.destroy();
    }
    this.pending.clear();
  }

  counts(): HandshakeCounts {
    return { pending: this.pending.size, timedOut: this.timedOut, timeoutMs: this.timeoutMs };
  }
}
