/**
 * Keeps an open tooltip open. VS Code closes a row's hover whenever the row is redrawn, and
 * the views redraw rows as their ages tick; it has no hover event, but it asks the tree to
 * resolve a row's tooltip exactly when someone starts hovering it (`resolveTreeItem`). So a
 * resolve marks the row as hovered, and for `holdMs` afterwards a redraw of that row that only
 * changes its text (an age, a round trip) waits; a change of its state (icon, menus, label)
 * still shows at once, since that is news the reader needs.
 *
 * VS Code resolves a tooltip once per redraw of a row: a row the hover left is redrawn at the
 * next flush (with its tooltip cleared), so hovering it again resolves, and holds, again.
 * No `vscode` import: tested with an injected clock.
 */
export interface HeldRow {
  /** Icon, menus and label: a change of it is shown even while the row is hovered. */
  readonly stateKey: string;
}

export class HoverHold<T extends HeldRow> {
  private hovered: { row: T; stateKey: string; at: number } | null = null;
  private readonly waiting = new Set<T>();

  constructor(
    private readonly holdMs: number = HOVER_HOLD_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A tooltip of `row` is being resolved: someone started hovering it. */
  markHovered(row: T): void {
    const previous = this.hovered?.row;
    // The row left behind keeps a resolved tooltip VS Code will not ask for again: redraw it
    // at the next flush, so its next hover resolves (and holds) again.
    if (previous && previous !== row) this.waiting.add(previous);
    this.hovered = { row, stateKey: row.stateKey, at: this.now() };
  }

  isHeld(row: T): boolean {
    const h = this.hovered;
    return h !== null && h.row === row && row.stateKey === h.stateKey && this.now() - h.at < this.holdMs;
  }

  /**
   * Of the rows whose text changed, those to redraw now: every row not held, plus the rows
   * that waited and are no longer held. Held rows wait.
   */
  filter(changed: Iterable<T>): T[] {
    const out = new Set<T>();
    for (const row of this.waiting) {
      if (this.isHeld(row)) continue;
      this.waiting.delete(row);
      out.add(row);
    }
    for (const row of changed) {
      if (this.isHeld(row)) this.waiting.add(row);
      else out.add(row);
    }
    if (this.hovered && !this.isHeld(this.hovered.row)) this.hovered = null;
    return [...out];
  }

  /** Forget rows that are gone (a refetch of the tree redraws every row anyway). */
  reset(): void {
    this.waiting.clear();
    this.hovered = null;
  }
}

/** Long enough to read a tooltip with a table in it; a held row's ages lag by at most this. */
export const HOVER_HOLD_MS = 15_000;
