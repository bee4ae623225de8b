import * as vscode from 'vscode';
import type { HeldRow } from '../common/hoverHold';
import { REVEAL_LOCK_FILE_COMMAND } from './commands/commandIds';
import { PROBLEM_SEVERITY } from '../../core/doctor/problem';
import type { LockState, RestartLockSnapshot } from '../../core/lock';
import { SEVERITY_ICON } from '../problems/problem';
import { waitersMarkdown, waitersSuffix, type LockWaiter } from '../bridge/lockWaiters';
import { lockAccessibility, lockDescription, lockProblems, lockTooltipMarkdown } from './locksFormat';
import { orphanedFiles } from './orphanedFiles';

/** Problem states are coloured by their one severity (shared with the problem list and the doctor). */
const STATE_LOOK: Record<LockState, { icon: string; color?: string }> = {
  free: { icon: 'circle-large-outline' },
  held: { icon: 'lock', color: 'charts.blue' },
  stale: { icon: 'history', color: SEVERITY_ICON[PROBLEM_SEVERITY.stale].color },
  'dead-holder': { icon: 'debug-disconnect', color: SEVERITY_ICON[PROBLEM_SEVERITY['dead-holder']].color },
  corrupt: SEVERITY_ICON[PROBLEM_SEVERITY.corrupt],
};

/** `lock.<state>`, then `.holder` when it names a holder (Copy pid) and `.orphaned` when a
 * `.mutex`/`.reclaim` is orphaned (Break reaps it): menus match these by regex. */
export function lockContextValue(s: RestartLockSnapshot): string {
  return `lock.${s.state}${s.holder ? '.holder' : ''}${orphanedFiles(s).length ? '.orphaned' : ''}`;
}

/**
 * One lock file. The object lives as long as the row and is updated in place: VS Code maps
 * menu clicks back to the element it was given, so a row replaced on every redraw could hand
 * a click to nobody while the tree is refetched. Its children are the `.mutex`/`.reclaim`
 * files; a change in which of them exist changes the row's `id` (and makes a new item),
 * because VS Code keeps the collapsible state of an id it has seen.
 */
export class LockItem extends vscode.TreeItem implements HeldRow {
  private signature = '';
  stateKey = '';
  /** Attached processes waiting for this lock (from the live bridge). */
  private waiters: readonly LockWaiter[] = [];

  constructor(
    public snapshot: RestartLockSnapshot,
    readonly displayName: string,
    now: number,
    waiters: readonly LockWaiter[] = [],
  ) {
    super(displayName, LockItem.hasChildren(snapshot) ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    this.id = LockItem.idFor(snapshot);
    // A click opens the file (a free lock's folder is revealed instead).
    this.command = { command: REVEAL_LOCK_FILE_COMMAND, title: 'Open Lock File', arguments: [this] };
    this.update(snapshot, now, waiters);
  }

  static hasChildren(s: RestartLockSnapshot): boolean {
    return s.mutex !== null || s.reclaim !== null;
  }

  static idFor(s: RestartLockSnapshot): string {
    return `lock:${s.lockPath}${s.mutex ? ':m' : ''}${s.reclaim ? ':r' : ''}`;
  }

  /** What commands act on (see commandArg). */
  get subject(): string {
    return this.lockPath;
  }

  get lockPath(): string {
    return this.snapshot.lockPath;
  }

  /** Applies the latest snapshot; true when anything on screen changed. */
  update(snapshot: RestartLockSnapshot, now: number, waiters: readonly LockWaiter[] = []): boolean {
    this.snapshot = snapshot;
    this.waiters = waiters;
    // A tidy lock whose mutex/reclaim was orphaned gets the warning icon: the state alone would look fine.
    const problem = lockProblems(snapshot).length > 0;
    const look =
      problem && (snapshot.state === 'free' || snapshot.state === 'held') ? SEVERITY_ICON[PROBLEM_SEVERITY['orphaned-mutex']] : STATE_LOOK[snapshot.state];
    const description = lockDescription(snapshot, now) + waitersSuffix(waiters, now);
    const contextValue = lockContextValue(snapshot);
    const signature = `${look.icon}|${contextValue}|${description}`;
    if (signature === this.signature) return false;
    this.signature = signature;
    this.iconPath = new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
    this.description = description;
    this.contextValue = contextValue;
    this.stateKey = `${look.icon}|${contextValue}`;
    this.accessibilityInformation = { label: lockAccessibility(this.displayName, snapshot, now) };
    this.tooltip = undefined; // rebuilt lazily by resolveTreeItem
    return true;
  }

  buildTooltip(now: number): vscode.MarkdownString {
    return new vscode.MarkdownString(lockTooltipMarkdown(this.displayName, this.snapshot, now) + waitersMarkdown(this.waiters, now), true);
  }
}
