// "What this observer contributes changed", told to whoever watches (the bridge's snapshot
// source, only while someone is attached). Fired from inside channel handlers, i.e. from the
// user's own call stack: a listener that throws is noted under FLAKE_DOCTOR_DEBUG and never
// reaches the user's code.

export class ChangeSignal {
  private readonly listeners = new Set<() => void>();

  constructor(
    /** For the debug note: `children`, `listens`, … */
    private readonly name: string,
    private readonly debug: (message: string) => void,
  ) {}

  /** Adds a listener; returns its removal. */
  add(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  fire(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (err) {
        this.debug(`${this.name}: a change listener failed: ${(err as Error).message}`);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
