import * as vscode from 'vscode';
import { AdaptivePoller } from '../common/adaptivePoller';
import { orSelection, registerSafeCommand, reportSettingErrors, userSetValue } from '../common/commands';
import { Disposable } from '../common/disposable';
import { lockWaiters } from '../bridge/lockWaiters';
import type { BridgeFeature } from '../bridge/bridgeFeature';
import type { Host } from '../common/host';
import type { Log } from '../common/log';
import type { ProblemCenter } from '../problems/problemCenter';
import { REFRESH_LOCKS_COMMAND } from './commands/commandIds';
import { BREAK_LOCK_COMMAND, breakLockCommand } from './commands/breakLock';
import { COPY_HOLDER_PID_COMMAND, copyHolderPidCommand } from './commands/copyHolderPid';
import type { LockCommandContext } from './commands/pickLock';
import { PROBE_LOCK_COMMAND, probeLockCommand } from './commands/probeLock';
import { REVEAL_LOCK_FILE_COMMAND, revealLockFileCommand } from './commands/revealLockFile';
import { WorkspaceLockDiscovery } from './lockDiscovery';
import type { WorkspaceFolderRef } from './locksFormat';
import { LocksModel, type LocksState } from './locksModel';
import { locksProblems } from './locksProblems';
import { readLocksSettings, sameLocksSettings, type LocksSettings } from './locksSettings';
import { LocksTreeProvider, type LocksNode } from './locksTreeProvider';

export const LOCKS_VIEW_ID = 'flakeDoctor.restartLocks';

/** While the view is visible, locks are re-inspected (holder liveness) and ages redrawn at this pace; never while hidden. */
const VISIBLE_TICK_MS = 1000;

function folderRefs(): WorkspaceFolderRef[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, path: f.uri.fsPath }));
}

/** The "Restart Locks" view: lock files found by settings, their holders, Probe / Break / Reveal / Copy pid. */
export class LocksFeature extends Disposable {
  private readonly model: LocksModel;
  private readonly tree: LocksTreeProvider;
  private readonly view: vscode.TreeView<LocksNode>;
  private readonly discovery: WorkspaceLockDiscovery;
  private readonly ticker: AdaptivePoller;

  constructor(
    private readonly host: Host,
    private readonly log: Log,
    private readonly problems: ProblemCenter,
    bridge?: BridgeFeature,
  ) {
    super();
    this.discovery = this._register(new WorkspaceLockDiscovery((path) => this.model.found([path])));
    const settings = this.readSettings();
    this.model = new LocksModel(settings, this.discovery.find);
    this._register({ dispose: () => this.model.dispose() });
    this.discovery.watch(settings.patterns);
    this.tree = this._register(new LocksTreeProvider(this.model, folderRefs, (lockPath) => (bridge ? lockWaiters(bridge.processes(), lockPath, (p) => bridge.describe(p)) : [])));
    this.view = this._register(vscode.window.createTreeView(LOCKS_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true }));
    problems.registerBadge('locks', this.view, 'restart lock problem');

    this.model.on('change', (state) => this.render(state));
    this.model.on('error', (err) => log.warn(`Restart Locks: ${err.message}`));
    // A process starting or ending its wait changes a row without any lock file changing.
    if (bridge) this._register(bridge.onDidChange(() => this.tree.render(Date.now())));
    // File events redraw the tree whenever a lock changes; this tick only catches what has no
    // file event (a holder dying) and keeps ages current, while someone can see them.
    this.ticker = new AdaptivePoller(
      async () => {
        await this.model.refresh();
        this.tree.render(Date.now());
      },
      { minIntervalMs: VISIBLE_TICK_MS, maxIntervalMs: 10 * VISIBLE_TICK_MS, onError: (err) => log.warn(`Restart Locks refresh failed: ${(err as Error).message}`) },
    );
    this._register({ dispose: () => this.ticker.dispose() });
    this._register(this.view.onDidChangeVisibility(() => this.updateTicker()));

    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('flakeDoctor.locks')) this.settingsChanged();
      }),
    );
    // `${workspaceFolder}` and the searched folders depend on these; workspace `paths` on trust.
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.settingsChanged(true)));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.settingsChanged()));
    this.registerCommands();
    void this.model
      .rediscover(true)
      .then((state) => this.render(state))
      .catch((err: Error) => log.warn(`Restart Locks: ${err.message}`));
  }

  private registerCommands(): void {
    const { host, log } = this;
    const ctx: LockCommandContext = { model: this.model, host, log, label: (path) => this.tree.labelFor(path) };
    const register = (id: string, fn: (arg: unknown) => Promise<void>) => this._register(registerSafeCommand(id, (arg) => fn(arg), host, log));
    register(REFRESH_LOCKS_COMMAND, async () => {
      // An explicit refresh forgets locks that have gone since they were found.
      await this.model.rediscover(true);
      this.tree.render(Date.now());
    });
    register(PROBE_LOCK_COMMAND, (arg) => probeLockCommand(ctx, orSelection(this.view, arg)));
    register(BREAK_LOCK_COMMAND, (arg) => breakLockCommand(ctx, orSelection(this.view, arg)));
    register(REVEAL_LOCK_FILE_COMMAND, (arg) => revealLockFileCommand(ctx, arg));
    register(COPY_HOLDER_PID_COMMAND, (arg) => copyHolderPidCommand(ctx, arg));
  }

  private readSettings(): LocksSettings {
    const config = vscode.workspace.getConfiguration('flakeDoctor.locks');
    const trusted = vscode.workspace.isTrusted;
    const { settings, errors } = readLocksSettings(
      (key) => {
        // An untrusted folder must not point the view at arbitrary files outside it (their
        // content is shown when they do not parse): only the user's own `paths` count there.
        if (key === 'paths' && !trusted) return config.inspect(key)?.globalValue;
        return userSetValue(config, key);
      },
      folderRefs().map((f) => f.path),
    );
    if (!trusted && config.inspect('paths')?.workspaceValue !== undefined) this.log.info('Restart Locks: the workspace setting flakeDoctor.locks.paths is ignored until the workspace is trusted');
    reportSettingErrors(errors, this.host, this.log);
    return settings;
  }

  private settingsChanged(force = false): void {
    const settings = this.readSettings();
    if (!force && sameLocksSettings(settings, this.model.currentSettings)) return;
    this.discovery.watch(settings.patterns);
    void this.model
      .updateSettings(settings)
      .then(() => this.tree.render(Date.now()))
      .catch((err: Error) => this.log.warn(`Restart Locks: ${err.message}`));
  }

  private updateTicker(): void {
    this.ticker.setActive(this.view.visible && this.model.state.locks.length > 0);
  }

  private render(state: LocksState): void {
    const problems = locksProblems(state, (path) => this.tree.labelFor(path), (path) => this.reveal(path));
    this.problems.setProblems('locks', problems);
    const n = state.locks.length;
    this.view.description = n ? `${n} lock${n === 1 ? '' : 's'}` : undefined;
    const notes: string[] = [];
    if (state.discoveryError) notes.push(`Searching the workspace for lock files failed: ${state.discoveryError}.`);
    for (const u of state.unreadable) notes.push(`${this.tree.labelFor(u.lockPath)} cannot be inspected: ${u.message}.`);
    this.view.message = notes.length ? notes.join(' ') : undefined;
    this.updateTicker();
  }

  async reveal(lockPath: string): Promise<void> {
    await vscode.commands.executeCommand(`${LOCKS_VIEW_ID}.focus`);
    const item = this.tree.itemFor(lockPath);
    if (item) await this.view.reveal(item, { select: true, focus: true, expand: true });
  }
}
