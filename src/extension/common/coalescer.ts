/**
 * Coalesces bursts of change signals (a pool file rewritten many times a second by a
 * suite) into one refresh after `delayMs` of quiet, and never runs two refreshes at once.
 */
export class Coalescer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly delayMs: number,
  ) {}

  trigger(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.fire();
    }, this.delayMs);
  }

  private async fire(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().catch(() => undefined);
    await this.running;
    this.running = null;
    if (this.again) {
      this.again = false;
      await this.fire();
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
