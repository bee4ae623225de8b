import * as vscode from 'vscode';
import type { HeldRow } from '../common/hoverHold';
import { ROW_CLICK } from '../details/commandIds';
import type { RowSpec } from './attachedRows';
import { SHOW_ATTACHED_DETAILS_COMMAND } from './commands/commandIds';

/**
 * One row of an attached process (the process itself, a call, a listener, a relay, a
 * session), driven by a RowSpec. Long-lived and updated in place, like the views' own rows:
 * a menu click maps back to the object VS Code was given.
 */
export class AttachedItem extends vscode.TreeItem implements HeldRow {
  private signature = '';
  stateKey = '';

  constructor(public spec: RowSpec) {
    super(spec.label, spec.hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    this.id = spec.id;
    // A click previews the row's details document, the focus staying in the tree.
    this.command = { command: SHOW_ATTACHED_DETAILS_COMMAND, title: 'Show Details', arguments: [spec.id, ROW_CLICK] };
    this.apply(spec);
  }

  get processKey(): string {
    return this.spec.processKey;
  }

  get target(): string | undefined {
    return this.spec.target;
  }

  /** Takes the latest spec; true when the row looks different (the tree then redraws it). */
  apply(spec: RowSpec): boolean {
    this.spec = spec;
    const signature = `${spec.label}|${spec.description}|${spec.icon}|${spec.color ?? ''}|${spec.contextValue}|${spec.hasChildren}`;
    if (signature === this.signature) return false;
    this.signature = signature;
    this.label = spec.label;
    this.description = spec.description;
    this.iconPath = new vscode.ThemeIcon(spec.icon, spec.color ? new vscode.ThemeColor(spec.color) : undefined);
    this.contextValue = spec.contextValue;
    this.stateKey = `${spec.label}|${spec.icon}|${spec.color ?? ''}|${spec.contextValue}|${spec.hasChildren}`;
    this.accessibilityInformation = { label: spec.accessibility };
    if (spec.hasChildren && this.collapsibleState === vscode.TreeItemCollapsibleState.None) this.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
    if (!spec.hasChildren) this.collapsibleState = vscode.TreeItemCollapsibleState.None;
    this.tooltip = undefined; // built lazily by resolveTreeItem
    return true;
  }

  buildTooltip(): vscode.MarkdownString {
    return new vscode.MarkdownString(this.spec.tooltip(), true);
  }
}
