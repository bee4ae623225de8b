import * as vscode from 'vscode';
import { PROBLEM_SEVERITY } from '../../core/doctor/problem';
import { SEVERITY_ICON } from '../problems/problem';
import type { ServerRow } from './serverRows';

/** An orphaned server or a failed listen. `contextValue`: `server.<state>` (+ `.stoppable` when Stop can name a process). */
export class ServerItem extends vscode.TreeItem {
  /** What commands act on (see commandArg). */
  get subject(): string {
    return this.row.subject;
  }

  constructor(readonly row: ServerRow) {
    super(row.subject, vscode.TreeItemCollapsibleState.None);
    const look = SEVERITY_ICON[PROBLEM_SEVERITY[row.state]];
    this.id = row.id;
    this.iconPath = new vscode.ThemeIcon(
      row.state === 'orphaned-server' ? 'debug-disconnect' : look.icon,
      look.color ? new vscode.ThemeColor(look.color) : undefined,
    );
    this.description = row.description;
    this.contextValue = `server.${row.state}${row.stop ? '.stoppable' : ''}`;
    this.tooltip = new vscode.MarkdownString(`**${row.subject}** — ${row.description}\n\n${row.facts.map((f) => `- ${f}`).join('\n')}`);
    this.accessibilityInformation = { label: `${row.subject}, ${row.description.replace(/ · /g, ', ')}` };
  }
}
