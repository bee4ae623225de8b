/**
 * Counts a problem only once it has lasted `holdMs`, and stops counting it only once it has
 * been gone for `holdMs`. A stalled call that is aborted at its deadline and stalls again on
 * its retry, or a session that misses one PONG and answers the next, otherwise makes the
 * status-bar count flicker between values every few seconds. Problems are matched by id, so
 * their ids carry no ages or call ids that change from one attempt to the next.
 * No `vscode` import: tested with an injected clock.
 */
interface Entry<P> {
  problem: P;
  firstSeen: number;
  goneSince: number | null;
  counted: boolean;
}

export class ProblemHold<P extends { id: string }> {
  private readonly entries = new Map<string, Entry<P>>();

  constructor(
    private readonly holdMs: number = PROBLEM_HOLD_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes every problem present now; returns those that count (in the order first seen). */
  update(present: readonly P[]): P[] {
    const now = this.now();
    const ids = new Set<string>();
    for (const p of present) {
      ids.add(p.id);
      const e = this.entries.get(p.id);
      if (e) {
        e.problem = p;
        e.goneSince = null;
      } else {
        this.entries.set(p.id, { problem: p, firstSeen: now, goneSince: null, counted: false });
      }
    }
    for (const [id, e] of this.entries) {
      if (ids.has(id)) {
        if (!e.counted && now - e.firstSeen >= this.holdMs) e.counted = true;
      } else if (!e.counted) {
        this.entries.delete(id); // gone before it counted: it never showed
      } else {
        e.goneSince ??= now;
        if (now - e.goneSince >= this.holdMs) this.entries.delete(id);
      }
    }
    return [...this.entries.values()].filter((e) => e.counted).map((e) => e.problem);
  }

  /** How long until the counted set changes with no new input (a problem due to count or to clear); null when nothing is pending. */
  nextChangeInMs(): number | null {
    const now = this.now();
    let next: number | null = null;
    for (const e of this.entries.values()) {
      const due = !e.counted ? e.firstSeen + this.holdMs : e.goneSince !== null ? e.goneSince + this.holdMs : null;
      if (due !== null) next = Math.min(next ?? Infinity, Math.max(0, due - now));
    }
    return next;
  }
}

/** Short enough that a real problem shows within seconds; longer than one retry of a stalled call. */
export const PROBLEM_HOLD_MS = 5000;
