import * as vscode from 'vscode';
import { worstSeverity } from '../../core/doctor/problem';
import type { HeldRow } from '../common/hoverHold';
import { SEVERITY_ICON } from '../problems/problem';
import type { ClassifiedSession, SessionHealth } from './sessionHealth';
import { ROW_CLICK } from '../details/commandIds';
import { SHOW_SESSION_DETAILS_COMMAND } from './commands/commandIds';
import { sessionAccessibility, sessionDescription, sessionTooltipMarkdown } from './sessionsFormat';

const HEALTH_LOOK: Record<SessionHealth, { icon: string; color?: string }> = {
  ok: { icon: 'plug', color: 'charts.green' },
  warning: { icon: 'warning', color: 'list.warningForeground' },
  closing: { icon: 'debug-disconnect', color: 'disabledForeground' },
};

/**
 * One WebSocket session. `contextValue` is `session.<health>` so menus can match by regex.
 * The object lives as long as its session and is updated in place: VS Code maps menu clicks
 * back to the element it was given, so a row that is replaced on every redraw could hand a
 * click to nobody while the tree is being refetched.
 */
export class SessionItem extends vscode.TreeItem implements HeldRow {
  private signature = '';
  stateKey = '';

  constructor(
    public classified: ClassifiedSession,
    now: number,
  ) {
    super(classified.session.id, vscode.TreeItemCollapsibleState.None);
    this.id = `session:${classified.session.id}`;
    // A click previews the session's details document, the focus staying in the tree.
    this.command = { command: SHOW_SESSION_DETAILS_COMMAND, title: 'Show Details', arguments: [classified.session.id, ROW_CLICK] };
    this.update(classified, now);
  }

  /** What commands act on (see commandArg). */
  get subject(): string {
    return this.classified.session.id;
  }

  get sessionId(): string {
    return this.classified.session.id;
  }

  /** Applies the latest snapshot; true when anything on screen changed. */
  update(classified: ClassifiedSession, now: number): boolean {
    this.classified = classified;
    // An unhealthy session looks like its worst issue's severity (write overdue is an error).
    const worst = classified.health === 'warning' ? worstSeverity(classified.issues.map((i) => i.kind)) : null;
    const look = worst ? SEVERITY_ICON[worst] : HEALTH_LOOK[classified.health];
    // Providers and clients look different while healthy; a problem overrides both.
    const icon = classified.health === 'ok' && classified.session.role === 'client' ? 'device-desktop' : look.icon;
    const description = sessionDescription(classified, now);
    const signature = `${icon}|${classified.health}|${description}`;
    if (signature === this.signature) return false;
    this.signature = signature;
    this.iconPath = new vscode.ThemeIcon(icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
    this.description = description;
    this.contextValue = `session.${classified.health}`;
    this.stateKey = `${icon}|${this.contextValue}`;
    this.accessibilityInformation = { label: sessionAccessibility(classified, now) };
    this.tooltip = undefined; // rebuilt lazily by resolveTreeItem
    return true;
  }

  /** Built lazily (resolveTreeItem) from the freshest snapshot, since most tooltips are never shown. */
  static buildTooltip(classified: ClassifiedSession, now: number): vscode.MarkdownString {
    return new vscode.MarkdownString(sessionTooltipMarkdown(classified, now), true);
  }
}
