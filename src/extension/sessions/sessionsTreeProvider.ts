import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { RelayItem } from './relayItem';
import { SessionItem } from './sessionItem';
import type { SessionsModel } from './sessionsModel';

export type SessionsNode = RelayItem | SessionItem;

function iconKey(icon: vscode.TreeItem['iconPath']): string {
  return icon instanceof vscode.ThemeIcon ? `${icon.id}/${icon.color?.id ?? ''}` : '';
}

/**
 * Renders the model's state: the relay row, its sessions as children. Rows are rebuilt on
 * every model change and on `render()` (the visible-only age tick), but the tree is told to
 * redraw only when the rendered text, icons or menus differ from what is on screen.
 */
export class SessionsTreeProvider extends Disposable implements vscode.TreeDataProvider<SessionsNode> {
  private readonly changed = this._register(new vscode.EventEmitter<SessionsNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private relayItem: RelayItem | null = null;
  private sessionItems = new Map<string, SessionItem>();
  private renderedKey = '';

  constructor(private readonly model: SessionsModel) {
    super();
    const onChange = () => this.render(Date.now());
    model.on('change', onChange);
    this._register({ dispose: () => model.off('change', onChange) });
    this.render(Date.now());
  }

  /** Rebuilds the rows for `now`; fires a redraw only if something visible changed. */
  render(now: number): void {
    const state = this.model.state;
    // Stopped shows no rows, so the view's welcome text (with its Start link) appears.
    const relayItem = state.status === 'stopped' ? null : new RelayItem(state);
    const sessionItems = new Map(relayItem ? state.sessions.map((c) => [c.session.id, new SessionItem(c, now)] as const) : []);
    const rows = [relayItem, ...sessionItems.values()].filter((i): i is RelayItem | SessionItem => i !== null);
    const key = JSON.stringify(rows.map((i) => [i.id, i.label, i.description, i.contextValue, iconKey(i.iconPath), i.collapsibleState]));
    if (key === this.renderedKey) return;
    this.renderedKey = key;
    this.relayItem = relayItem;
    this.sessionItems = sessionItems;
    this.changed.fire(undefined);
  }

  getTreeItem(element: SessionsNode): vscode.TreeItem {
    return element;
  }

  resolveTreeItem(item: vscode.TreeItem, element: SessionsNode): vscode.TreeItem {
    // The row may be older than the latest snapshot (it is only replaced when its text
    // changes), so the tooltip is built from the model's current state.
    const now = Date.now();
    if (element instanceof RelayItem) item.tooltip = RelayItem.buildTooltip(this.model.state, now);
    else item.tooltip = SessionItem.buildTooltip(this.model.session(element.sessionId) ?? element.classified, now);
    return item;
  }

  getChildren(element?: SessionsNode): SessionsNode[] {
    if (!element) return this.relayItem ? [this.relayItem] : [];
    if (element instanceof RelayItem) return [...this.sessionItems.values()];
    return [];
  }

  getParent(element: SessionsNode): SessionsNode | undefined {
    return element instanceof SessionItem ? (this.relayItem ?? undefined) : undefined;
  }

  itemFor(sessionId: string): SessionItem | undefined {
    return this.sessionItems.get(sessionId);
  }
}
