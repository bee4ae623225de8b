import * as vscode from 'vscode';
import type { LockWaiter } from '../bridge/lockWaiters';
import type { RestartLockSnapshot } from '../../core/lock';
import { Disposable, subscribe } from '../common/disposable';
import { HoverHold } from '../common/hoverHold';
import { AuxFileItem } from './auxFileItem';
import type { WorkspaceFolderRef } from './locksFormat';
import type { AuxKind } from './orphanedFiles';
import { lockLabel } from './locksFormat';
import { LockItem } from './lockItem';
import type { LocksModel } from './locksModel';

export type LocksNode = LockItem | AuxFileItem;

/**
 * Renders the model's state: one row per lock, its `.mutex`/`.reclaim` files as children.
 * Rows are long-lived objects updated in place on every model change and on `render()` (the
 * visible-only age tick); the tree is told about exactly the rows whose text, icon or menus
 * changed. Only a lock (or a companion file) arriving or leaving refetches the whole tree.
 */
export class LocksTreeProvider extends Disposable implements vscode.TreeDataProvider<LocksNode> {
  private readonly changed = this._register(new vscode.EventEmitter<LocksNode | LocksNode[] | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly lockItems = new Map<string, LockItem>();
  private readonly auxItems = new Map<string, Map<AuxKind, AuxFileItem>>();
  /** A hovered row keeps its tooltip: its text-only redraws wait (see HoverHold). */
  private readonly hold = new HoverHold<LocksNode>();

  constructor(
    private readonly model: LocksModel,
    private readonly folders: () => readonly WorkspaceFolderRef[],
    /** Attached processes waiting for a lock (the live bridge); none without it. */
    private readonly waitersOf: (lockPath: string) => LockWaiter[] = () => [],
  ) {
    super();
    this._register(subscribe(model, 'change', () => this.render(Date.now())));
    this.render(Date.now());
  }

  /** Brings the rows up to date for `now`; fires only for what changed on screen. */
  render(now: number): void {
    const { locks } = this.model.state;
    const folders = this.folders();
    let structural = false;
    const changedRows: LocksNode[] = [];
    const live = new Set(locks.map((s) => s.lockPath));
    for (const path of [...this.lockItems.keys()]) {
      if (!live.has(path)) {
        this.lockItems.delete(path);
        this.auxItems.delete(path);
        structural = true;
      }
    }
    for (const s of locks) {
      const item = this.lockItems.get(s.lockPath);
      const label = lockLabel(s.lockPath, folders);
      // A new row when the set of children or the label (workspace folders changed) differs.
      if (!item || item.id !== LockItem.idFor(s) || item.displayName !== label) {
        this.lockItems.set(s.lockPath, new LockItem(s, label, now, this.waitersOf(s.lockPath)));
        this.auxItems.set(s.lockPath, this.buildAux(s, now));
        structural = true;
        continue;
      }
      if (item.update(s, now, this.waitersOf(s.lockPath))) changedRows.push(item);
      const aux = this.auxItems.get(s.lockPath);
      for (const [kind, auxItem] of aux ?? []) {
        const fresh = kind === 'mutex' ? s.mutex : s.reclaim;
        if (fresh && auxItem.aux.path === fresh.path && auxItem.update(s, fresh, now)) changedRows.push(auxItem);
      }
    }
    if (structural) {
      this.hold.reset();
      this.changed.fire(undefined);
      return;
    }
    const redraw = this.hold.filter(changedRows);
    if (redraw.length) this.changed.fire(redraw);
  }

  private buildAux(s: RestartLockSnapshot, now: number): Map<AuxKind, AuxFileItem> {
    const aux = new Map<AuxKind, AuxFileItem>();
    if (s.mutex) aux.set('mutex', new AuxFileItem(s, 'mutex', s.mutex, now));
    if (s.reclaim) aux.set('reclaim', new AuxFileItem(s, 'reclaim', s.reclaim, now));
    return aux;
  }

  getTreeItem(element: LocksNode): vscode.TreeItem {
    return element;
  }

  resolveTreeItem(item: vscode.TreeItem, element: LocksNode): vscode.TreeItem {
    this.hold.markHovered(element);
    item.tooltip = element.buildTooltip(Date.now());
    return item;
  }

  getChildren(element?: LocksNode): LocksNode[] {
    if (!element) return [...this.lockItems.values()];
    if (element instanceof LockItem) return [...(this.auxItems.get(element.lockPath)?.values() ?? [])];
    return [];
  }

  getParent(element: LocksNode): LocksNode | undefined {
    return element instanceof AuxFileItem ? this.lockItems.get(element.lockPath) : undefined;
  }

  itemFor(lockPath: string): LockItem | undefined {
    return this.lockItems.get(lockPath);
  }

  labelFor(lockPath: string): string {
    return this.lockItems.get(lockPath)?.displayName ?? lockLabel(lockPath, this.folders());
  }
}
