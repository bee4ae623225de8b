import * as vscode from 'vscode';
import type { LoopbackSnapshot } from '../../core/allocator';
import { Disposable, subscribe } from '../common/disposable';
import { AddressItem } from './addressItem';
import { FreeGroupItem } from './freeGroupItem';
import { addressRows } from './loopbackFormat';
import type { LoopbackModel } from './loopbackModel';
import { PortItem } from './portItem';
import { ServerItem } from './serverItem';
import type { ServerRow } from './serverRows';

export type LoopbackNode = AddressItem | PortItem | FreeGroupItem | ServerItem;

/**
 * Renders the model's snapshot; computes nothing about states itself. Problems come first, the
 * free addresses are folded into one row, and with "Show Only Problems" nothing else is listed.
 */
export class LoopbackTreeProvider extends Disposable implements vscode.TreeDataProvider<LoopbackNode> {
  private readonly changed = this._register(new vscode.EventEmitter<LoopbackNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private items = new Map<string, AddressItem>();
  private roots: LoopbackNode[] = [];
  private freeGroup: FreeGroupItem | null = null;
  private onlyProblems = false;
  private namesKey = '';
  private serversKey = '';

  constructor(
    private readonly model: LoopbackModel,
    /** How an attached process names itself (the live bridge), by pid; null when not attached. */
    private readonly nameOf: (pid: number) => string | null = () => null,
    /** Orphaned servers and failed listens, listed first (they are problems). */
    private readonly serverRows: () => readonly ServerRow[] = () => [],
  ) {
    super();
    this._register(subscribe(model, 'change', (snapshot: LoopbackSnapshot) => this.rebuild(snapshot)));
  }

  get showingOnlyProblems(): boolean {
    return this.onlyProblems;
  }

  /** How many rows the filter hides (the view says so). */
  get hiddenCount(): number {
    const all = this.model.snapshot?.addresses.length ?? 0;
    return this.onlyProblems ? all - this.roots.length : 0;
  }

  setOnlyProblems(only: boolean): void {
    if (only === this.onlyProblems) return;
    this.onlyProblems = only;
    if (this.model.snapshot) this.rebuild(this.model.snapshot);
  }

  /** Attached processes changed: redraw only if a lease holder's name changed. */
  holderNamesChanged(): void {
    const snapshot = this.model.snapshot;
    if (snapshot && (this.holderNames(snapshot) !== this.namesKey || JSON.stringify(this.serverRows()) !== this.serversKey)) this.rebuild(snapshot);
  }

  private holderNames(snapshot: LoopbackSnapshot): string {
    return snapshot.addresses.map((a) => (a.holder ? (this.nameOf(a.holder.pid) ?? '') : '')).join('|');
  }

  private rebuild(snapshot: LoopbackSnapshot): void {
    this.namesKey = this.holderNames(snapshot);
    this.items = new Map(snapshot.addresses.map((a) => [a.address, new AddressItem(a, a.holder ? this.nameOf(a.holder.pid) : null)]));
    const { shown, free } = addressRows(snapshot.addresses, this.onlyProblems);
    this.freeGroup = free.length ? new FreeGroupItem(free) : null;
    const servers = this.serverRows();
    this.serversKey = JSON.stringify(servers);
    this.roots = [...servers.map((row) => new ServerItem(row)), ...shown.map((a) => this.items.get(a.address)!), ...(this.freeGroup ? [this.freeGroup] : [])];
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
    if (!element) return this.roots;
    if (element instanceof FreeGroupItem) return element.entries.map((e) => this.items.get(e.address)!).filter(Boolean);
    if (element instanceof AddressItem) return element.entry.ports.map((p) => new PortItem(element.entry, p));
    return [];
  }

  getParent(element: LoopbackNode): LoopbackNode | undefined {
    if (element instanceof PortItem) return this.items.get(element.address.address);
    if (element instanceof AddressItem && this.freeGroup?.entries.some((e) => e.address === element.entry.address)) return this.freeGroup;
    return undefined;
  }

  itemFor(address: string): AddressItem | undefined {
    return this.items.get(address);
  }

  get snapshot(): LoopbackSnapshot | null {
    return this.model.snapshot;
  }
}
