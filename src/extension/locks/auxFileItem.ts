import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { HeldRow } from '../common/hoverHold';
import { REVEAL_LOCK_FILE_COMMAND } from './commands/commandIds';
import type { AuxFileSnapshot, RestartLockSnapshot } from '../../core/lock';
import { auxDescription, auxTooltipMarkdown } from './locksFormat';
import type { AuxKind } from './orphanedFiles';

/**
 * A `.mutex` or `.reclaim` file next to a lock. `contextValue`: `lockFile.<kind>.orphaned`
 * (left by a crashed process) or `lockFile.<kind>.held` (a transition in progress).
 */
export class AuxFileItem extends vscode.TreeItem implements HeldRow {
  private signature = '';
  stateKey = '';

  constructor(
    public lock: RestartLockSnapshot,
    readonly kind: AuxKind,
    public aux: AuxFileSnapshot,
    now: number,
  ) {
    super(basename(aux.path), vscode.TreeItemCollapsibleState.None);
    this.id = `lockFile:${aux.path}`;
    // A click opens the file (a free lock's folder is revealed instead).
    this.command = { command: REVEAL_LOCK_FILE_COMMAND, title: 'Open Lock File', arguments: [this] };
    this.update(lock, aux, now);
  }

  /** What commands act on (see commandArg). */
  get subject(): string {
    return this.lockPath;
  }

  get lockPath(): string {
    return this.lock.lockPath;
  }

  update(lock: RestartLockSnapshot, aux: AuxFileSnapshot, now: number): boolean {
    this.lock = lock;
    this.aux = aux;
    const description = auxDescription(lock, aux, now);
    const signature = `${aux.stale}|${description}`;
    if (signature === this.signature) return false;
    this.signature = signature;
    this.iconPath = aux.stale ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : new vscode.ThemeIcon('key');
    this.description = description;
    this.contextValue = `lockFile.${this.kind}.${aux.stale ? 'orphaned' : 'held'}`;
    this.stateKey = this.contextValue;
    this.accessibilityInformation = { label: `${basename(aux.path)}, ${description.replace(/ · /g, ', ')}` };
    this.tooltip = undefined;
    return true;
  }

  buildTooltip(now: number): vscode.MarkdownString {
    return new vscode.MarkdownString(auxTooltipMarkdown(this.lock, this.kind, this.aux, now), true);
  }
}
