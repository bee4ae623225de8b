import * as vscode from 'vscode';
import type { HeldRow } from '../common/hoverHold';
import type { ListenerSnapshot, ListenerState } from '../../core/listener';
import { listenerAccessibility, listenerDescription, listenerLabel, listenerTooltipMarkdown } from './callsFormat';

const STATE_LOOK: Record<ListenerState, { icon: string; color?: string }> = {
  stopped: { icon: 'circle-slash' },
  starting: { icon: 'loading~spin' },
  polling: { icon: 'radio-tower', color: 'charts.green' },
  acquiring: { icon: 'sync~spin', color: 'charts.blue' },
  backoff: { icon: 'debug-pause', color: 'list.warningForeground' },
  stopping: { icon: 'loading~spin' },
  failed: { icon: 'error', color: 'list.errorForeground' },
};

/**
 * One broker listener: URL, session state, session id, last message id, jobs acquired, and
 * (when failing) the last error. `contextValue` is `listener.<state>`. Long-lived and updated
 * in place, so a menu click never lands on a row replaced during a refetch; always expanded,
 * since its calls are the point.
 */
export class ListenerItem extends vscode.TreeItem implements HeldRow {
  private signature = '';
  stateKey = '';

  constructor(
    public snapshot: ListenerSnapshot,
    now: number,
  ) {
    super(listenerLabel(snapshot), vscode.TreeItemCollapsibleState.Expanded);
    this.id = `listener:${snapshot.brokerUrl}`;
    this.update(snapshot, now);
  }

  /** Applies the latest snapshot; true when anything on screen changed. */
  update(snapshot: ListenerSnapshot, now: number): boolean {
    this.snapshot = snapshot;
    const look = STATE_LOOK[snapshot.state];
    const description = listenerDescription(snapshot, now);
    const signature = `${snapshot.state}|${description}`;
    if (signature === this.signature) return false;
    this.signature = signature;
    this.iconPath = new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
    this.description = description;
    this.contextValue = `listener.${snapshot.state}`;
    this.stateKey = this.contextValue;
    this.accessibilityInformation = { label: listenerAccessibility(snapshot, now) };
    this.tooltip = undefined; // rebuilt lazily by resolveTreeItem
    return true;
  }

  static buildTooltip(snapshot: ListenerSnapshot, now: number): vscode.MarkdownString {
    return new vscode.MarkdownString(listenerTooltipMarkdown(snapshot, now), true);
  }
}
