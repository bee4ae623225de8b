import * as vscode from 'vscode';
import { AttachedItem } from '../bridge/attachedItem';
import type { AttachedSection } from '../bridge/attachedSection';
import { Disposable, subscribe } from '../common/disposable';
import { HoverHold } from '../common/hoverHold';
import { RelayItem } from './relayItem';
import { SessionItem } from './sessionItem';
import type { SessionsModel } from './sessionsModel';

export type SessionsNode = RelayItem | SessionItem | AttachedItem;

/**
 * Renders the model's state: the relay row, its sessions as children. Rows are long-lived
 * objects updated in place on every model change and on `render()` (the visible-only age
 * tick); the tree is told about exactly the rows whose text, icon or menus changed. Only a
 * session arriving or leaving refetches the whole tree.
 */
export class SessionsTreeProvider extends Disposable implements vscode.TreeDataProvider<SessionsNode> {
  private readonly changed = this._register(new vscode.EventEmitter<SessionsNode | SessionsNode[] | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private relayItem: RelayItem | null = null;
  private readonly sessionItems = new Map<string, SessionItem>();
  /** A hovered row keeps its tooltip: its text-only redraws wait (see HoverHold). */
  private readonly hold = new HoverHold<RelayItem | SessionItem>();

  constructor(
    private readonly model: SessionsModel,
    /** The relays of attached processes, listed after the extension's own relay. */
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
    // Stopped shows no rows, so the view's welcome text (with its Start link) appears.
    if (state.status === 'stopped') {
      if (!this.relayItem) return;
      this.relayItem = null;
      this.sessionItems.clear();
      this.hold.reset();
      this.changed.fire(undefined);
      return;
    }
    let structural = false;
    let relayChanged = false;
    if (!this.relayItem) {
      this.relayItem = new RelayItem(state);
      structural = true;
    } else {
      relayChanged = this.relayItem.update(state);
    }
    const live = new Set(state.sessions.map((c) => c.session.id));
    for (const id of this.sessionItems.keys()) {
      if (!live.has(id)) {
        this.sessionItems.delete(id);
        structural = true;
      }
    }
    const changedSessions: SessionItem[] = [];
    for (const c of state.sessions) {
      const item = this.sessionItems.get(c.session.id);
      if (!item) {
        this.sessionItems.set(c.session.id, new SessionItem(c, now));
        structural = true;
      } else if (item.update(c, now)) {
        changedSessions.push(item);
      }
    }
    if (structural) {
      this.hold.reset();
      this.changed.fire(undefined);
      return;
    }
    const redraw = this.hold.filter([...(relayChanged ? [this.relayItem] : []), ...changedSessions]);
    if (redraw.length) this.changed.fire(redraw);
  }

  getTreeItem(element: SessionsNode): vscode.TreeItem {
    return element;
  }

  resolveTreeItem(item: vscode.TreeItem, element: SessionsNode): vscode.TreeItem {
    const now = Date.now();
    if (element instanceof AttachedItem) {
      this.attached?.markHovered(element);
      item.tooltip = element.buildTooltip();
    } else if (element instanceof RelayItem) {
      this.hold.markHovered(element);
      item.tooltip = RelayItem.buildTooltip(this.model.state, now);
    } else {
      this.hold.markHovered(element);
      item.tooltip = SessionItem.buildTooltip(this.model.session(element.sessionId) ?? element.classified, now);
    }
    return item;
  }

  getChildren(element?: SessionsNode): SessionsNode[] {
    if (!element) return [...(this.relayItem ? [this.relayItem] : []), ...(this.attached?.roots() ?? [])];
    if (element instanceof AttachedItem) return this.attached?.children(element) ?? [];
    if (element instanceof RelayItem) return [...this.sessionItems.values()];
    return [];
  }

  getParent(element: SessionsNode): SessionsNode | undefined {
    if (element instanceof AttachedItem) return this.attached?.parent(element);
    return element instanceof SessionItem ? (this.relayItem ?? undefined) : undefined;
  }

  itemFor(sessionId: string): SessionItem | undefined {
    return this.sessionItems.get(sessionId);
  }
}
