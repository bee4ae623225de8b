import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { SEVERITY_ICON, type Problem, type ProblemSlot, type ProblemSource } from './problem';
import { ProblemHold } from './problemHold';

export type { Problem, ProblemFix, ProblemSlot, ProblemSource } from './problem';

const SOURCE_TITLE: Record<ProblemSource, string> = {
  loopback: 'Loopback Addresses',
  locks: 'Restart Locks',
  sessions: 'WebSocket Sessions',
  calls: 'Broker Calls',
};

export const SHOW_PROBLEMS_COMMAND = 'flakeDoctor.showProblems';
/** Whether the status-bar item stays as a quiet "Flake Doctor ✓" while nothing is wrong. */
export const SHOW_WHEN_CLEAR_SETTING = 'flakeDoctor.statusBar.showWhenClear';

interface ViewBadge {
  view: { badge?: vscode.ViewBadge };
  noun: string;
}

/**
 * The one status-bar item for all four views, and their badges. A problem counts once it has
 * lasted a short hold and stops counting once it has been gone as long (ProblemHold), so the
 * count does not flicker. With problems: a count with the warning (or, for an error, error)
 * background; clicking it lists every problem, grouped by view, and offers to reveal or fix it.
 * Without: a quiet "Flake Doctor ✓", or nothing (`flakeDoctor.statusBar.showWhenClear`).
 */
export class ProblemCenter extends Disposable {
  private readonly bySlot = new Map<ProblemSlot, Problem[]>();
  private readonly hold = new ProblemHold<Problem>();
  private readonly badges = new Map<ProblemSource, ViewBadge>();
  private counted: Problem[] = [];
  private renderedKey = '';
  private timer: NodeJS.Timeout | null = null;
  private readonly item: vscode.StatusBarItem;

  constructor() {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('flakeDoctor.problems', vscode.StatusBarAlignment.Left, 100));
    this.item.name = 'Flake Doctor';
    this.item.command = SHOW_PROBLEMS_COMMAND;
    this._register(vscode.commands.registerCommand(SHOW_PROBLEMS_COMMAND, () => this.showProblems()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SHOW_WHEN_CLEAR_SETTING)) this.render(true);
      }),
    );
    this._register({ dispose: () => this.clearTimer() });
    this.render(true);
  }

  /** The view whose badge counts `source`'s problems (with the same hold as the status bar). */
  registerBadge(source: ProblemSource, view: ViewBadge['view'], noun: string): void {
    this.badges.set(source, { view, noun });
    this.render(true);
  }

  /** Replaces a slot's problems; the status bar and badges are redrawn only when what they show changed. */
  setProblems(slot: ProblemSlot, problems: Problem[]): void {
    this.bySlot.set(slot, problems);
    this.evaluate();
  }

  /** The problems that count now (after the hold). */
  all(): Problem[] {
    return this.counted;
  }

  private evaluate(): void {
    this.clearTimer();
    this.counted = this.hold.update([...this.bySlot.values()].flat());
    this.render(false);
    // One timer for the next problem due to count or to clear; none while nothing is pending.
    const next = this.hold.nextChangeInMs();
    if (next !== null && !this.isDisposed) this.timer = setTimeout(() => this.evaluate(), next + 10);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Every counted problem grouped by the view it belongs to, in the views' order. */
  private bySource(): Array<[ProblemSource, Problem[]]> {
    return (Object.keys(SOURCE_TITLE) as ProblemSource[])
      .map((s): [ProblemSource, Problem[]] => [s, this.counted.filter((p) => p.source === s)])
      .filter(([, l]) => l.length > 0);
  }

  private render(force: boolean): void {
    const key = JSON.stringify(this.counted.map((p) => [p.id, p.label, p.detail, p.severity]));
    if (!force && key === this.renderedKey) return;
    this.renderedKey = key;
    for (const [source, { view, noun }] of this.badges) {
      const n = this.counted.filter((p) => p.source === source).length;
      view.badge = n ? { value: n, tooltip: `${n} ${noun}${n === 1 ? '' : 's'}` } : undefined;
    }
    const problems = this.counted;
    if (problems.length === 0) {
      if (vscode.workspace.getConfiguration().get<boolean>(SHOW_WHEN_CLEAR_SETTING, true)) {
        this.item.text = 'Flake Doctor $(check)';
        this.item.tooltip = 'Flake Doctor: no problems in the four views. Click to list them.';
        this.item.backgroundColor = undefined;
        this.item.accessibilityInformation = { label: 'Flake Doctor: no problems' };
        this.item.show();
      } else {
        this.item.hide();
      }
      return;
    }
    const error = problems.some((p) => p.severity === 'error');
    const counts = this.bySource().map(([s, p]) => `${p.length} in ${SOURCE_TITLE[s]}`);
    this.item.text = `$(${error ? 'error' : 'warning'}) Flake Doctor: ${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    this.item.tooltip = `Flake Doctor found ${counts.join(', ')}. Click to list them.`;
    this.item.backgroundColor = new vscode.ThemeColor(error ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
    this.item.accessibilityInformation = { label: `Flake Doctor: ${problems.length} problems. ${counts.join(', ')}` };
    this.item.show();
  }

  private async showProblems(): Promise<void> {
    if (this.counted.length === 0) {
      void vscode.window.showInformationMessage('Flake Doctor: no problems found.');
      return;
    }
    type Pick = vscode.QuickPickItem & { problem?: Problem };
    const items: Pick[] = [];
    for (const [source, list] of this.bySource()) {
      items.push({ label: SOURCE_TITLE[source], kind: vscode.QuickPickItemKind.Separator });
      for (const problem of list) items.push({ label: `$(${SEVERITY_ICON[problem.severity].icon}) ${problem.label}`, detail: problem.detail, problem });
    }
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Flake Doctor problems',
      placeHolder: 'Pick a problem to reveal or fix it',
      matchOnDetail: true,
    });
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
