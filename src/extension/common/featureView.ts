import * as vscode from 'vscode';
import type { Problem, ProblemCenter, ProblemSource } from '../problems/problemCenter';
import { AdaptivePoller } from './adaptivePoller';
import { Disposable } from './disposable';

/** Ages in rows refresh at this pace while a view showing them is visible (never while hidden). */
export const VISIBLE_TICK_MS = 1000;

/** What every view's tree provider offers besides its rows: the row of a subject, for Reveal. */
export interface SubjectTree<T> extends vscode.TreeDataProvider<T> {
  itemFor(subject: string): T | undefined;
}

export interface FeatureViewSpec<T> {
  /** The view's id as package.json contributes it. */
  viewId: string;
  tree: SubjectTree<T>;
  /** Whose problems the view's badge counts and `showProblems` reports. */
  source: ProblemSource;
  /** The badge tooltip's noun: "3 restart lock problems". */
  problemNoun: string;
  showCollapseAll?: boolean;
  /** Whether Reveal also expands the row (rows whose children are the point: ports, aux files). */
  expandOnReveal?: boolean;
}

export interface VisibleTickerOptions {
  /** Whether there is anything to keep current; nothing ticks while this is false. */
  wanted: () => boolean;
  /** The slowest pace a costly tick may adapt to; the fastest is `VISIBLE_TICK_MS`. */
  maxIntervalMs: number;
  onError: (err: Error) => void;
}

/**
 * What the four views' features share in VS Code, so a feature keeps only what is its own:
 * the tree view with its problem badge, the notes above its rows, its problems for the status
 * bar, Reveal from the problem list, and a ticker that runs only while the view is visible and
 * has something to keep current. Everything it creates is disposed with it.
 */
export class FeatureView<T> extends Disposable {
  readonly treeView: vscode.TreeView<T>;
  private ticker: { poller: AdaptivePoller; wanted: () => boolean } | null = null;
  /** Something else showing this view's facts (a details tab) counts as the view being seen. */
  private alsoSeen: () => boolean = () => false;
  private readonly seenChanged = this._register(new vscode.EventEmitter<void>());

  constructor(
    private readonly spec: FeatureViewSpec<T>,
    private readonly problems: ProblemCenter,
  ) {
    super();
    this.treeView = this._register(vscode.window.createTreeView(spec.viewId, { treeDataProvider: spec.tree, showCollapseAll: spec.showCollapseAll }));
    problems.registerBadge(spec.source, this.treeView, spec.problemNoun);
  }

  /** Whether the rows, or another place showing their facts (see `alsoSeenWhile`), can be seen. */
  get visible(): boolean {
    return this.treeView.visible || this.alsoSeen();
  }

  /**
   * Counts `isSeen()` as the view being visible, re-read on `changed`: a details tab of one of
   * the view's rows keeps its scans and ticks going (only while the tab can be seen).
   */
  alsoSeenWhile(isSeen: () => boolean, changed: vscode.Event<unknown>): void {
    this.alsoSeen = isSeen;
    this._register(changed(() => this.seenChanged.fire()));
    this.seenChanged.fire();
  }

  /** The selected rows: commands run from a keybinding act on them (`orSelection`). */
  get selection(): readonly T[] {
    return this.treeView.selection;
  }

  /** Calls `fn` with the view's visibility now and on every change, until disposed. */
  followVisibility(fn: (visible: boolean) => void): void {
    this._register(this.treeView.onDidChangeVisibility(() => fn(this.visible)));
    this._register(this.seenChanged.event(() => fn(this.visible)));
    fn(this.visible);
  }

  /**
   * Runs `tick` while the view is visible and `wanted()`, at a pace adapted to its cost, and
   * never otherwise: model events redraw the rows when something happens; the tick only
   * catches what has no event (ages, a holder dying). Call `updateTicker()` when what
   * `wanted` reads may have changed.
   */
  tickWhileVisible(tick: () => Promise<void>, options: VisibleTickerOptions): void {
    const poller = new AdaptivePoller(tick, {
      minIntervalMs: VISIBLE_TICK_MS,
      maxIntervalMs: options.maxIntervalMs,
      onError: (err) => options.onError(err as Error),
    });
    this._register({ dispose: () => poller.dispose() });
    this.ticker = { poller, wanted: options.wanted };
    this.followVisibility(() => this.updateTicker());
  }

  updateTicker(): void {
    if (this.ticker) this.ticker.poller.setActive(this.visible && this.ticker.wanted());
  }

  /** The view's problems for its badge and the status bar. */
  showProblems(problems: Problem[]): void {
    this.problems.setProblems(this.spec.source, problems);
  }

  /** The short text after the view's title. */
  describe(text: string | undefined): void {
    this.treeView.description = text;
  }

  /** Notes above the rows (what could not be read, settings waiting for a restart); none hides the message. */
  showNotes(notes: readonly string[]): void {
    this.treeView.message = notes.length ? notes.join(' ') : undefined;
  }

  /** Focuses the view and selects the row of `subject`, if it has one (the problem list's Reveal). */
  async reveal(subject: string): Promise<void> {
    await vscode.commands.executeCommand(`${this.spec.viewId}.focus`);
    const item = this.spec.tree.itemFor(subject);
    if (item) await this.treeView.reveal(item, { select: true, focus: true, expand: this.spec.expandOnReveal });
  }
}
