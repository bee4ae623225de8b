import * as vscode from 'vscode';
import type { ClassifiedSession, SessionHealth } from './sessionHealth';
import { sessionAccessibility, sessionDescription, sessionTooltipMarkdown } from './sessionFormat';

const HEALTH_LOOK: Record<SessionHealth, { icon: string; color?: string }> = {
  ok: { icon: 'plug', color: 'charts.green' },
  warning: { icon: 'warning', color: 'list.warningForeground' },
  closing: { icon: 'debug-disconnect', color: 'disabledForeground' },
};

/** One WebSocket session. `contextValue` is `session.<health>` so menus can match by regex. */
export class SessionItem extends vscode.TreeItem {
  constructor(
    readonly classified: ClassifiedSession,
    now: number,
  ) {
    super(classified.session.id, vscode.TreeItemCollapsibleState.None);
    const look = HEALTH_LOOK[classified.health];
    this.id = `session:${classified.session.id}`;
    // Providers and clients look different while healthy; a problem overrides both.
    const icon = classified.health === 'ok' && classified.session.role === 'client' ? 'device-desktop' : look.icon;
    this.iconPath = new vscode.ThemeIcon(icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
    this.description = sessionDescription(classified, now);
    this.contextValue = `session.${classified.health}`;
    this.accessibilityInformation = { label: sessionAccessibility(classified, now) };
  }

  get sessionId(): string {
    return this.classified.session.id;
  }

  /** Built lazily (resolveTreeItem) from the freshest snapshot, since most tooltips are never shown. */
  static buildTooltip(classified: ClassifiedSession, now: number): vscode.MarkdownString {
    return new vscode.MarkdownString(sessionTooltipMarkdown(classified, now), true);
  }
}
