import * as vscode from 'vscode';
import type { HeldRow } from '../common/hoverHold';
import { relayDescription, relayLabel, relayTooltipMarkdown } from './sessionsFormat';
import type { RelayStatus, SessionsState } from './sessionsModel';

const STATUS_LOOK: Record<RelayStatus, { icon: string; color?: string }> = {
  stopped: { icon: 'circle-slash' },
  starting: { icon: 'loading~spin' },
  listening: { icon: 'radio-tower', color: 'charts.green' },
  restarting: { icon: 'loading~spin', color: 'charts.yellow' },
  stopping: { icon: 'loading~spin' },
  failed: { icon: 'error', color: 'list.errorForeground' },
};

/**
 * The embedded relay: url, state, counts. `contextValue` is `relay.<status>`. Updated in
 * place (see SessionItem for why); always expanded, since its sessions are the point.
 */
export class RelayItem extends vscode.TreeItem implements HeldRow {
  private signature = '';
  stateKey = '';

  constructor(state: SessionsState) {
    super(relayLabel(state), vscode.TreeItemCollapsibleState.Expanded);
    // Stable id: the relay row keeps its expansion and selection across redraws.
    this.id = 'relay';
    this.update(state);
  }

  /** Applies the latest state; true when anything on screen changed. */
  update(state: SessionsState): boolean {
    const look = STATUS_LOOK[state.status];
    const label = relayLabel(state);
    const description = relayDescription(state);
    const signature = `${label}|${state.status}|${description}`;
    if (signature === this.signature) return false;
    this.signature = signature;
    this.label = label;
    this.iconPath = new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
    this.description = description;
    this.contextValue = `relay.${state.status}`;
    this.stateKey = `${label}|${this.contextValue}`;
    this.accessibilityInformation = { label: `WebSocket relay ${label}, ${description.replace(/ · /g, ', ')}` };
    this.tooltip = undefined;
    return true;
  }

  /** Built lazily (resolveTreeItem) from the freshest state. */
  static buildTooltip(state: SessionsState, now: number): vscode.MarkdownString {
    return new vscode.MarkdownString(relayTooltipMarkdown(state, now), true);
  }
}
