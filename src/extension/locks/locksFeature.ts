import * as vscode from 'vscode';
import { orSelection, registerSafeCommands, type CommandHandler } from '../common/commands';
import { subjectOf } from '../common/commandArg';
import { Disposable, eventOf } from '../common/disposable';
import { FeatureView, VISIBLE_TICK_MS } from '../common/featureView';
import { onSettingsChange, readSettingsSection } from '../common/settings';
import { lockWaiters } from '../bridge/lockWaiters';
import type { BridgeFeature } from '../bridge/bridgeFeature';
import { openHow, type DetailsProvider } from '../details/detailsProvider';
import type { Host } from '../common/host';
import type { Log } from '../common/log';
import type { ProblemCenter } from '../problems/problemCenter';
import { REFRESH_LOCKS_COMMAND, SHOW_LOCK_DETAILS_COMMAND } from './commands/commandIds';
import { BREAK_LOCK_COMMAND, breakLockCommand } from './commands/breakLock';
import { COPY_HOLDER_PID_COMMAND, copyHolderPidCommand } from './commands/copyHolderPid';
import type { LockCommandContext } from './commands/pickLock';
import { PROBE_LOCK_COMMAND, probeLockCommand } from './commands/probeLock';
import { REVEAL_LOCK_FILE_COMMAND, revealLockFileCommand } from './commands/revealLockFile';
import { WorkspaceLockDiscovery } from './lockDiscovery';
import type { WorkspaceFolderRef } from './locksFormat';
import { STATE_LABEL } from './locksFormat';
import { LocksModel, type LocksState } from './locksModel';
import { locksProblems } from './locksProblems';
import { readLocksSettings, sameLocksSettings, type LocksSettings } from './locksSettings';
import { LocksTreeProvider, type LocksNode } from './locksTreeProvider';

export const LOCKS_VIEW_ID = 'flakeDoctor.restartLocks';
const SETTINGS_SECTION = 'flakeDoctor.locks';

function folderRefs(): WorkspaceFolderRef[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, path: f.uri.fsPath }));
}

/** The "Restart Locks" view: lock files found by settings, their holders, Probe / Break / Reveal / Copy pid. */
export class LocksFeature extends Disposable {
  private readonly model: LocksModel;
  private readonly tree: LocksTreeProvider;
  private readonly view: FeatureView<LocksNode>;
  private readonly discovery: WorkspaceLockDiscovery;

  constructor(
    private readonly host: Host,
    private readonly log: Log,
    problems: ProblemCenter,
    bridge?: BridgeFeature,
    private readonly details?: DetailsProvider,
  ) {
    super();
    this.discovery = this._register(new WorkspaceLockDiscovery((path) => this.model.found([path])));
    const settings = this.readSettings();
    this.model = new LocksModel(settings, this.discovery.find);
    this._register({ dispose: () => this.model.dispose() });
    this.discovery.watch(settings.patterns);
    this.tree = this._register(
      new LocksTreeProvider(this.model, folderRefs, (lockPath) => (bridge ? lockWaiters(bridge.processes(), lockPath, (p) => bridge.describe(p)) : [])),
    );
    this.view = this._register(
      new FeatureView(
        { viewId: LOCKS_VIEW_ID, tree: this.tree, source: 'locks', problemNoun: 'restart lock problem', showCollapseAll: true, expandOnReveal: true },
        problems,
      ),
    );

    if (details) {
      // A lock's document renders what its tooltip shows (waiters included), redrawn with its row.
      this._register(
        details.register(
          'lock',
          (lockPath, now) => {
            const item = this.tree.itemFor(lockPath);
            if (!item) return null;
            const title = `${item.displayName}: ${STATE_LABEL[item.snapshot.state]}`;
            return { name: item.displayName, title, view: 'Restart Locks', markdown: item.buildTooltip(now).value, raw: item.snapshot };
          },
          [eventOf(this.model, 'change'), this.tree.onDidChangeTreeData],
        ),
      );
      this.view.alsoSeenWhile(() => details.isVisible('lock'), details.onDidChangeVisible);
    }
    this.model.on('change', (state) => this.render(state));
    this.model.on('error', (err) => log.warn(`Restart Locks: ${err.message}`));
    // A process starting or ending its wait changes a row without any lock file changing.
    if (bridge) this._register(bridge.onDidChange(() => this.tree.render(Date.now())));
    // File events redraw the tree whenever a lock changes; the tick re-inspects locks for what
    // has no file event (a holder dying) and keeps ages current.
    this.view.tickWhileVisible(
      async () => {
        await this.model.refresh();
        this.tree.render(Date.now());
      },
      {
        wanted: () => this.model.state.locks.length > 0,
        maxIntervalMs: 10 * VISIBLE_TICK_MS,
        onError: (err) => log.warn(`Restart Locks refresh failed: ${err.message}`),
      },
    );

    this._register(onSettingsChange(SETTINGS_SECTION, () => this.settingsChanged()));
    // `${workspaceFolder}` and the searched folders depend on these; workspace `paths` on trust.
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.settingsChanged(true)));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.settingsChanged()));
    this._register(registerSafeCommands(this.commands(), host, log));
    void this.model
      .rediscover(true)
      .then((state) => this.render(state))
      .catch((err: Error) => log.warn(`Restart Locks: ${err.message}`));
  }

  private commands(): Record<string, CommandHandler> {
    const ctx: LockCommandContext = { model: this.model, host: this.host, log: this.log, label: (path) => this.tree.labelFor(path) };
    return {
      [REFRESH_LOCKS_COMMAND]: async () => {
        // An explicit refresh forgets locks that have gone since they were found.
        await this.model.rediscover(true);
        this.tree.render(Date.now());
      },
      [PROBE_LOCK_COMMAND]: (arg) => probeLockCommand(ctx, orSelection(this.view, arg)),
      [BREAK_LOCK_COMMAND]: (arg) => breakLockCommand(ctx, orSelection(this.view, arg)),
      [REVEAL_LOCK_FILE_COMMAND]: (arg) => revealLockFileCommand(ctx, arg),
      [COPY_HOLDER_PID_COMMAND]: (arg) => copyHolderPidCommand(ctx, arg),
      // A click opens the lock file itself; its facts open from the Details action.
      [SHOW_LOCK_DETAILS_COMMAND]: async (arg, mode) => {
        const lockPath = subjectOf(orSelection(this.view, arg));
        if (lockPath && this.tree.itemFor(lockPath)) await this.details?.open({ kind: 'lock', subject: lockPath }, openHow(mode));
      },
    };
  }

  private readSettings(): LocksSettings {
    // An untrusted folder must not point the view at arbitrary files outside it (their content
    // is shown when they do not parse): only the user's own `paths` count there.
    const trusted = vscode.workspace.isTrusted;
    if (!trusted && vscode.workspace.getConfiguration(SETTINGS_SECTION).inspect('paths')?.workspaceValue !== undefined) {
      this.log.info('Restart Locks: the workspace setting flakeDoctor.locks.paths is ignored until the workspace is trusted');
    }
    const folders = folderRefs().map((f) => f.path);
    return readSettingsSection(SETTINGS_SECTION, (get) => readLocksSettings(get, folders), this.host, this.log, trusted ? [] : ['paths']);
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

  private render(state: LocksState): void {
    this.view.showProblems(
      locksProblems(
        state,
        (path) => this.tree.labelFor(path),
        (path) => this.view.reveal(path),
      ),
    );
    const n = state.locks.length;
    this.view.describe(n ? `${n} lock${n === 1 ? '' : 's'}` : undefined);
    const notes: string[] = [];
    if (state.discoveryError) notes.push(`Searching the workspace for lock files failed: ${state.discoveryError}.`);
    for (const u of state.unreadable) notes.push(`${this.tree.labelFor(u.lockPath)} cannot be inspected: ${u.message}.`);
    this.view.showNotes(notes);
    this.view.updateTicker();
  }
}
