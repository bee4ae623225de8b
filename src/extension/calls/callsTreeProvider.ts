import * as vscode from 'vscode';
import type { CallSnapshot } from '../../core/listener';
import { AttachedItem } from '../bridge/attachedItem';
import type { AttachedSection } from '../bridge/attachedSection';
import { Disposable, subscribe } from '../common/disposable';
import { HoverHold } from '../common/hoverHold';
import { CallGroupItem } from './callGroupItem';
import { CallItem } from './callItem';
import type { CallsModel } from './callsModel';
import { ListenerItem } from './listenerItem';

export type CallsNode = ListenerItem | CallItem | CallGroupItem | AttachedItem;

/** Recent calls shown (the tracker keeps more; long-poll churn would bury the interesting ones). */
const RECENT_SHOWN = 20;

/** Long-lived rows of one list, keyed by call id, updated in place. */
class CallRows {
  readonly items = new Map<string, CallItem>();

  constructor(private readonly list: CallItem['list']) {}

  /** Brings the rows to `calls` (in that order); returns whether the list itself changed and which rows changed text. */
  sync(calls: CallSnapshot[], now: number): { structural: boolean; changed: CallItem[] } {
    let structural = calls.length !== this.items.size;
    const changed: CallItem[] = [];
    const next = new Map<string, CallItem>();
    const before = [...this.items.keys()];
    calls.forEach((call, i) => {
      const item = this.items.get(call.id);
      if (!item) {
        next.set(call.id, new CallItem(call, now, this.list));
        structural = true;
        return;
      }
      if (before[i] !== call.id) structural = true;
      if (item.update(call, now)) changed.push(item);
      next.set(call.id, item);
    });
    this.items.clear();
    for (const [id, item] of next) this.items.set(id, item);
    return { structural, changed: structural ? [] : changed };
  }

  clear(): void {
    this.items.clear();
  }
}

/**
 * Renders the model's state: the listener row with its calls in flight and a "Recent calls"
 * folder, and (when tracked) a folder of the process's other calls. Rows are long-lived and
 * updated in place on every model change and on `render()` (the visible-only age tick); the
 * tree is told about exactly the rows whose text changed, and a list whose membership changed
 * is refetched from its parent only.
 */
export class CallsTreeProvider extends Disposable implements vscode.TreeDataProvider<CallsNode> {
  private readonly changed = this._register(new vscode.EventEmitter<CallsNode | CallsNode[] | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private listenerItem: ListenerItem | null = null;
  private recentGroup: CallGroupItem | null = null;
  private processGroup: CallGroupItem | null = null;
  private readonly inFlight = new CallRows('inflight');
  private readonly recent = new CallRows('recent');
  private readonly process = new CallRows('process');
  /** A hovered row keeps its tooltip: its text-only redraws wait (see HoverHold). */
  private readonly hold = new HoverHold<ListenerItem | CallItem | CallGroupItem>();

  constructor(
    private readonly model: CallsModel,
    /** The attached processes' calls, one group per process after the extension's own rows. */
    private readonly attached?: AttachedSection,
  ) {
    super();
    this._register(subscribe(model, 'change', () => this.render(Date.now())));
    if (attached) this._register(attached.onDidChange((items) => this.changed.fire(items)));
    this.render(Date.now());
  }

  /** Brings the rows up to date for `now`; fires only for what changed on screen. */
  render(now: number): void {
    const state = this.model.state;
    /** Rows whose text changed (a hovered one may wait) and rows whose children changed (redrawn at once). */
    const text: Array<ListenerItem | CallItem | CallGroupItem> = [];
    const lists: CallsNode[] = [];
    let root = false;

    const l = state.listener;
    if (!l) {
      // No listener shows no rows, so the view's welcome text (with its Start link) appears.
      if (this.listenerItem) root = true;
      this.listenerItem = null;
      this.recentGroup = null;
      this.inFlight.clear();
      this.recent.clear();
    } else {
      if (!this.listenerItem || this.listenerItem.snapshot.brokerUrl !== l.brokerUrl) {
        this.listenerItem = new ListenerItem(l, now);
        this.recentGroup = null;
        this.inFlight.clear();
        this.recent.clear();
        root = true;
      } else if (this.listenerItem.update(l, now)) {
        text.push(this.listenerItem);
      }
      const own = this.inFlight.sync(l.calls.inFlight, now);
      const recentCalls = l.calls.recent.slice(-RECENT_SHOWN).reverse();
      let listenerChildren = own.structural;
      if (recentCalls.length > 0 && !this.recentGroup) {
        this.recentGroup = new CallGroupItem('recent', this.listenerItem.id ?? null, recentCalls.length);
        listenerChildren = true;
      }
      const rec = this.recent.sync(recentCalls, now);
      if (this.recentGroup) {
        if (rec.structural) lists.push(this.recentGroup);
        else if (this.recentGroup.update(recentCalls.length)) text.push(this.recentGroup);
        if (rec.structural) this.recentGroup.update(recentCalls.length);
      }
      if (listenerChildren) lists.push(this.listenerItem);
      text.push(...own.changed, ...rec.changed);
    }

    if (state.processCalls.length === 0) {
      if (this.processGroup) root = true;
      this.processGroup = null;
      this.process.clear();
    } else {
      if (!this.processGroup) {
        this.processGroup = new CallGroupItem('process', null, state.processCalls.length);
        root = true;
      }
      const proc = this.process.sync(state.processCalls, now);
      const countChanged = this.processGroup.update(state.processCalls.length);
      if (proc.structural) lists.push(this.processGroup);
      else if (countChanged) text.push(this.processGroup);
      text.push(...proc.changed);
    }

    if (root) {
      this.hold.reset();
      this.changed.fire(undefined);
      return;
    }
    const redraw = new Set<CallsNode>([...lists, ...this.hold.filter(text)]);
    if (redraw.size) this.changed.fire([...redraw]);
  }

  getTreeItem(element: CallsNode): vscode.TreeItem {
    return element;
  }

  resolveTreeItem(item: vscode.TreeItem, element: CallsNode): vscode.TreeItem {
    const now = Date.now();
    if (element instanceof AttachedItem) {
      this.attached?.markHovered(element);
      item.tooltip = element.buildTooltip();
      return item;
    }
    this.hold.markHovered(element);
    if (element instanceof ListenerItem) item.tooltip = ListenerItem.buildTooltip(this.model.state.listener ?? element.snapshot, now);
    else if (element instanceof CallItem) item.tooltip = CallItem.buildTooltip(this.latest(element.callId) ?? element.call, now);
    return item;
  }

  getChildren(element?: CallsNode): CallsNode[] {
    if (!element)
      return [...(this.listenerItem ? [this.listenerItem] : []), ...(this.processGroup ? [this.processGroup] : []), ...(this.attached?.roots() ?? [])];
    if (element instanceof AttachedItem) return this.attached?.children(element) ?? [];
    if (element instanceof ListenerItem) return [...this.inFlight.items.values(), ...(this.recentGroup ? [this.recentGroup] : [])];
    if (element instanceof CallGroupItem) return [...(element.kind === 'recent' ? this.recent : this.process).items.values()];
    return [];
  }

  getParent(element: CallsNode): CallsNode | undefined {
    if (element instanceof AttachedItem) return this.attached?.parent(element);
    if (element instanceof CallItem) {
      if (element.list === 'inflight') return this.listenerItem ?? undefined;
      return (element.list === 'recent' ? this.recentGroup : this.processGroup) ?? undefined;
    }
    if (element instanceof CallGroupItem && element.kind === 'recent') return this.listenerItem ?? undefined;
    return undefined;
  }

  /** The call's latest snapshot without taking a new one (a tooltip must not redraw the tree). */
  private latest(callId: string): CallSnapshot | undefined {
    const state = this.model.state;
    return [...(state.listener?.calls.inFlight ?? []), ...state.processCalls, ...(state.listener?.calls.recent ?? [])].find((c) => c.id === callId);
  }

  /** The row of a call by id (in flight first), for reveal. */
  itemFor(callId: string): CallItem | undefined {
    return this.inFlight.items.get(callId) ?? this.process.items.get(callId) ?? this.recent.items.get(callId);
  }
}
