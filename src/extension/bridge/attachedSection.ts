import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { HoverHold } from '../common/hoverHold';
import { AttachedItem } from './attachedItem';
import type { RowSpec } from './attachedRows';

/**
 * The attached processes' part of a tree (Broker Calls or WebSocket Sessions), appended after
 * the view's own rows. `update(specs)` brings the long-lived rows to the specs and reports
 * what to redraw: `undefined` when the top-level list changed (the tree refetches its root),
 * else exactly the rows whose look or children changed.
 */
export class AttachedSection extends Disposable {
  private readonly items = new Map<string, AttachedItem>();
  private readonly childIds = new Map<string | null, string[]>();
  private readonly changed = this._register(new vscode.EventEmitter<AttachedItem[] | undefined>());
  readonly onDidChange = this.changed.event;
  /** A hovered row keeps its tooltip: its text-only redraws wait (see HoverHold). */
  private readonly hold = new HoverHold<AttachedItem>();

  /** The tree resolved this row's tooltip: someone is hovering it. */
  markHovered(item: AttachedItem): void {
    this.hold.markHovered(item);
  }

  update(specs: readonly RowSpec[]): void {
    const nextChildren = new Map<string | null, string[]>();
    /** Rows whose text changed (a hovered one may wait) and rows whose children changed (redrawn at once). */
    const text = new Set<AttachedItem>();
    const lists = new Set<AttachedItem>();
    const seen = new Set<string>();
    for (const spec of specs) {
      seen.add(spec.id);
      const list = nextChildren.get(spec.parentId) ?? [];
      list.push(spec.id);
      nextChildren.set(spec.parentId, list);
      const item = this.items.get(spec.id);
      if (!item) this.items.set(spec.id, new AttachedItem(spec));
      else if (item.apply(spec)) text.add(item);
    }
    for (const id of [...this.items.keys()]) if (!seen.has(id)) this.items.delete(id);
    let rootChanged = false;
    for (const parent of new Set([...this.childIds.keys(), ...nextChildren.keys()])) {
      const before = this.childIds.get(parent)?.join('\n') ?? '';
      const after = nextChildren.get(parent)?.join('\n') ?? '';
      if (before === after) continue;
      if (parent === null) rootChanged = true;
      else {
        const item = this.items.get(parent);
        if (item) lists.add(item);
      }
    }
    this.childIds.clear();
    for (const [k, v] of nextChildren) this.childIds.set(k, v);
    if (rootChanged) {
      this.hold.reset();
      this.changed.fire(undefined);
      return;
    }
    const redraw = new Set([...lists, ...this.hold.filter(text)]);
    if (redraw.size) this.changed.fire([...redraw]);
  }

  roots(): AttachedItem[] {
    return this.children(null);
  }

  children(parent: AttachedItem | null): AttachedItem[] {
    return (this.childIds.get(parent ? (parent.id ?? '') : null) ?? []).map((id) => this.items.get(id)).filter((i): i is AttachedItem => i !== undefined);
  }

  parent(item: AttachedItem): AttachedItem | undefined {
    return item.spec.parentId === null ? undefined : this.items.get(item.spec.parentId);
  }

  /** The row with this id (a details document's subject). */
  item(id: string): AttachedItem | undefined {
    return this.items.get(id);
  }

  /** The row of a bridge target in a process (for reveal from the problem list). */
  itemFor(processKey: string, target: string): AttachedItem | undefined {
    for (const item of this.items.values()) if (item.processKey === processKey && item.target === target) return item;
    return undefined;
  }
}
