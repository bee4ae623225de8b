import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';

/** Which view a problem belongs to; the status bar counts across all of them. */
export type ProblemSource = 'loopback' | 'locks' | 'sessions' | 'calls';

/** Who reports a list of problems: a view, or the attached processes (whose problems belong to several views). */
export type ProblemSlot = ProblemSource | 'attached';

export interface ProblemFix {
  label: string;
  command: string;
  args: unknown[];
}

export interface Problem {
  /** Stable across refreshes, so the list does not flicker. */
  id: string;
  source: ProblemSource;
  label: string;
  detail: string;
  reveal?: () => Thenable<void> | Promise<void>;
  fixes: ProblemFix[];
}

const SOURCE_TITLE: Record<ProblemSource, string> = {
  loopback: 'Loopback Addresses',
  locks: 'Restart Locks',
  sessions: 'WebSocket Sessions',
  calls: 'Broker Calls',
};

export const SHOW_PROBLEMS_COMMAND = 'flakeDoctor.showProblems';

/**
 * The one status-bar warning for all four views. Hidden while all is well; otherwise a
 * count with the warning background; clicking it lists every problem and offers to reveal
 * or fix each.
 */
export class ProblemCenter extends Disposable {
  private readonly bySlot = new Map<ProblemSlot, Problem[]>();
  private readonly keys = new Map<ProblemSlot, string>();
  private readonly item: vscode.StatusBarItem;

  constructor() {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('flakeDoctor.problems', vscode.StatusBarAlignment.Left, 100));
    this.item.name = 'Flake Doctor';
    this.item.command = SHOW_PROBLEMS_COMMAND;
    this._register(vscode.commands.registerCommand(SHOW_PROBLEMS_COMMAND, () => this.showProblems()));
  }

  /** Replaces a slot's problems; the status bar is redrawn only when what it shows changed. */
  setProblems(slot: ProblemSlot, problems: Problem[]): void {
    this.bySlot.set(slot, problems);
    const key = JSON.stringify(problems.map((p) => [p.id, p.label, p.detail]));
    if (key === this.keys.get(slot)) return;
    this.keys.set(slot, key);
    this.render();
  }

  all(): Problem[] {
    return [...this.bySlot.values()].flat();
  }

  /** Every problem grouped by the view it belongs to, in the views' order. */
  private bySource(): Array<[ProblemSource, Problem[]]> {
    const all = this.all();
    return (Object.keys(SOURCE_TITLE) as ProblemSource[]).map((s): [ProblemSource, Problem[]] => [s, all.filter((p) => p.source === s)]).filter(([, l]) => l.length > 0);
  }

  private render(): void {
    const problems = this.all();
    if (problems.length === 0) {
      this.item.hide();
      return;
    }
    const counts = this.bySource().map(([s, p]) => `${p.length} in ${SOURCE_TITLE[s]}`);
    this.item.text = `$(warning) Flake Doctor: ${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    this.item.tooltip = `Flake Doctor found ${counts.join(', ')}. Click to list them.`;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.item.accessibilityInformation = { label: `Flake Doctor: ${problems.length} problems. ${counts.join(', ')}` };
    this.item.show();
  }

  private async showProblems(): Promise<void> {
    const problems = this.all();
    if (problems.length === 0) {
      void vscode.window.showInformationMessage('Flake Doctor: no problems found.');
      return;
    }
    type Pick = vscode.QuickPickItem & { problem?: Problem };
    const items: Pick[] = [];
    for (const [source, list] of this.bySource()) {
      items.push({ label: SOURCE_TITLE[source], kind: vscode.QuickPickItemKind.Separator });
      for (const problem of list) items.push({ label: `$(warning) ${problem.label}`, detail: problem.detail, problem });
    }
    const picked = await vscode.window.showQuickPick(items, { title: 'Flake Doctor problems', placeHolder: 'Pick a problem to reveal or fix it', matchOnDetail: true });
    const problem = picked?.problem;
    if (!problem) return;
    const actions: (vscode.QuickPickItem & { run: () => unknown })[] = [];
    if (problem.reveal) actions.push({ label: '$(eye) Reveal in view', run: () => problem.reveal?.() });
    for (const fix of problem.fixes) actions.push({ label: fix.label, run: () => vscode.commands.executeCommand(fix.command, ...fix.args) });
    if (actions.length === 0) return;
    const action = actions.length === 1 ? actions[0] : await vscode.window.showQuickPick(actions, { title: problem.label });
    await action?.run();
  }
}

/** A view's badge for `count` problems (`undefined` hides it). */
export function problemBadge(count: number, noun: string): vscode.ViewBadge | undefined {
  return count ? { value: count, tooltip: `${count} ${noun}${count === 1 ? '' : 's'}` } : undefined;
}
