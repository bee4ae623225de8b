import * as vscode from 'vscode';
import type { LoopbackSnapshot } from '../../core/allocator';
import { Disposable, subscribe } from '../common/disposable';
import { AddressItem } from './addressItem';
import type { LoopbackModel } from './loopbackModel';
import { PortItem } from './portItem';

export type LoopbackNode = AddressItem | PortItem;

/** Renders the model's snapshot; computes nothing about states itself. */
export class LoopbackTreeProvider extends Disposable implements vscode.TreeDataProvider<LoopbackNode> {
  private readonly changed = this._register(new vscode.EventEmitter<LoopbackNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private items = new Map<string, AddressItem>();

  private namesKey = '';

  constructor(
    private readonly model: LoopbackModel,
    /** How an attached process names itself (the live bridge), by pid; null when not attached. */
    private readonly nameOf: (pid: number) => string | null = () => null,
  ) {
    super();
    this._register(subscribe(model, 'change', (snapshot: LoopbackSnapshot) => this.rebuild(snapshot)));
  }

  /** Attached processes changed: redraw only if a lease holder's name changed. */
  holderNamesChanged(): void {
    const snapshot = this.model.snapshot;
    if (snapshot && this.holderNames(snapshot) !== this.namesKey) this.rebuild(snapshot);
  }

  private holderNames(snapshot: LoopbackSnapshot): string {
    return snapshot.addresses.map((a) => (a.holder ? (this.nameOf(a.holder.pid) ?? '') : '')).join('|');
  }

  private rebuild(snapshot: LoopbackSnapshot): void {
    this.namesKey = this.holderNames(snapshot);
    this.items = new Map(snapshot.addresses.map((a) => [a.address, new AddressItem(a, a.holder ? this.nameOf(a.holder.pid) : null)]));
    this.changed.fire(undefined);
  }

  getTreeItem(element: LoopbackNode): vscode.TreeItem {
    return element;
  }

  resolveTreeItem(item: vscode.TreeItem, element: LoopbackNode): vscode.TreeItem {
    if (element instanceof AddressItem) item.tooltip = element.buildTooltip(Date.now());
    return item;
  }

  getChildren(element?: LoopbackNode): LoopbackNode[] {
    if (!element) return [...this.items.values()];
    if (element instanceof AddressItem) return element.entry.ports.map((p) => new PortItem(element.entry, p));
    return [];
  }

  getParent(element: LoopbackNode): LoopbackNode | undefined {
    return element instanceof PortItem ? this.items.get(element.address.address) : undefined;
  }

  itemFor(address: string): AddressItem | undefined {
    return this.items.get(address);
  }

  get snapshot(): LoopbackSnapshot | null {
    return this.model.snapshot;
  }
}
