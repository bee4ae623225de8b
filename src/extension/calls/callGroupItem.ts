import * as vscode from 'vscode';
import type { HeldRow } from '../common/hoverHold';

export type CallGroupKind = 'recent' | 'process';

const GROUP_LOOK: Record<CallGroupKind, { label: string; icon: string; tooltip: string }> = {
  recent: { label: 'Recent calls', icon: 'history', tooltip: "The listener's finished calls, newest first, with their outcomes." },
  process: {
    label: 'Other calls in this process',
    icon: 'globe',
    tooltip:
      'HTTP calls made by other code in the extension host (undici or fetch), seen through undici diagnostics channels. They have no deadline we know of; they are flagged stalled past the stall threshold.',
  },
};

/**
 * A folder of calls: the listener's recent (finished) calls, collapsed by default so the calls
 * in flight stay in view; or the process's other calls. `contextValue` is `callGroup.<kind>`.
 */
export class CallGroupItem extends vscode.TreeItem implements HeldRow {
  private count = -1;
  readonly stateKey: string;

  constructor(
    readonly kind: CallGroupKind,
    readonly parentId: string | null,
    count: number,
  ) {
    const look = GROUP_LOOK[kind];
    super(look.label, kind === 'recent' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
    this.id = `group:${kind}:${parentId ?? ''}`;
    this.iconPath = new vscode.ThemeIcon(look.icon);
    this.tooltip = look.tooltip;
    this.contextValue = `callGroup.${kind}`;
    this.stateKey = this.contextValue;
    this.update(count);
  }

  update(count: number): boolean {
    if (count === this.count) return false;
    this.count = count;
    this.description = String(count);
    return true;
  }
}
