import * as vscode from 'vscode';
import { relayDescription, relayLabel, relayTooltipMarkdown } from './sessionFormat';
import type { RelayStatus, SessionsState } from './sessionsModel';

const STATUS_LOOK: Record<RelayStatus, { icon: string; color?: string }> = {
  stopped: { icon: 'circle-slash' },
  starting: { icon: 'loading~spin' },
  listening: { icon: 'radio-tower', color: 'charts.green' },
  restarting: { icon: 'loading~spin', color: 'charts.yellow' },
  stopping: { icon: 'loading~spin' },
  failed: { icon: 'error', color: 'list.errorForeground' },
};

/** The embedded relay: url, state, counts. `contextValue` is `relay.<status>`. */
export class RelayItem extends vscode.TreeItem {
  constructor(readonly state: SessionsState) {
    super(relayLabel(state), state.sessions.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    const look = STATUS_LOOK[state.status];
    // Stable id: the relay row keeps its expansion and selection across redraws.
    this.id = 'relay';
    this.iconPath = new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
    this.description = relayDescription(state);
    this.contextValue = `relay.${state.status}`;
    this.accessibilityInformation = { label: `WebSocket relay ${relayLabel(state)}, ${this.description.replace(/ · /g, ', ')}` };
  }

  /** Built lazily (resolveTreeItem) from the freshest state. */
  static buildTooltip(state: SessionsState, now: number): vscode.MarkdownString {
    return new vscode.MarkdownString(relayTooltipMarkdown(state, now), true);
  }
}
