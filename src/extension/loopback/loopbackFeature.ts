import * as vscode from 'vscode';
import type { LoopbackSnapshot } from '../../core/allocator';
import { subjectOf } from '../common/commandArg';
import { plainText } from '../common/format';
import { orSelection, registerSafeCommand, reportSettingErrors, userSetValue } from '../common/commands';
import { Disposable } from '../common/disposable';
import type { BridgeFeature } from '../bridge/bridgeFeature';
import type { Host } from '../common/host';
import type { Log } from '../common/log';
import type { ProblemCenter } from '../problems/problemCenter';
import { breakAddressCommand } from './commands/breakAddress';
import {
  BREAK_ADDRESS_COMMAND,
  COPY_ADDRESS_COMMAND,
  PROBE_ADDRESS_COMMAND,
  REFRESH_LOOPBACK_COMMAND,
  RELEASE_LEASE_COMMAND,
  SHOW_ADDRESS_DETAILS_COMMAND,
  SHOW_ALL_ADDRESSES_COMMAND,
  SHOW_ONLY_PROBLEMS_COMMAND,
} from './commands/commandIds';
import { probeAddressCommand } from './commands/probeAddress';
import { releaseLeaseCommand } from './commands/releaseLease';
import { ADDRESS_STATE_WORDS } from './loopbackFormat';
import { LoopbackModel } from './loopbackModel';
import { loopbackProblems } from './loopbackProblems';
import { readLoopbackSettings, type LoopbackSettings } from './loopbackSettings';
import { LoopbackTreeProvider, type LoopbackNode } from './loopbackTreeProvider';

export const LOOPBACK_VIEW_ID = 'flakeDoctor.loopbackAddresses';
/** Context key of the title bar's filter toggle. */
const ONLY_PROBLEMS_CONTEXT_KEY = 'flakeDoctor.loopback.onlyProblems';

function workspaceFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
}

/** The "Loopback Addresses" view: model, tree, commands, problems, settings. */
export class LoopbackFeature extends Disposable {
  private readonly model: LoopbackModel;
  private readonly view: vscode.TreeView<LoopbackNode>;
  private readonly tree: LoopbackTreeProvider;

  constructor(
    private readonly host: Host,
    private readonly log: Log,
    private readonly problems: ProblemCenter,
    bridge?: BridgeFeature,
  ) {
    super();
    this.model = new LoopbackModel(this.readSettings());
    this._register({ dispose: () => this.model.dispose() });
    this.tree = this._register(
      new LoopbackTreeProvider(this.model, (pid) => {
        const p = bridge?.processByPid(pid);
        return p && bridge ? bridge.describe(p) : null;
      }),
    );
    if (bridge) this._register(bridge.onDidChange(() => this.tree.holderNamesChanged()));
    this.view = this._register(vscode.window.createTreeView(LOOPBACK_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true }));
    problems.registerBadge('loopback', this.view, 'loopback problem');

    this.model.on('change', (snapshot) => this.render(snapshot));
    this.model.on('error', (err) => log.warn(`Loopback refresh failed: ${err.message}`));
    // Poll only while the view can be seen; pool-file changes still refresh it while hidden.
    this._register(this.view.onDidChangeVisibility((e) => this.model.setVisible(e.visible)));
    this.model.setVisible(this.view.visible);
    void this.model.refresh().catch((err: Error) => log.warn(`Loopback refresh failed: ${err.message}`));

    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('flakeDoctor.loopback')) this.model.updateSettings(this.readSettings());
      }),
    );
    const register = (id: string, fn: (arg: unknown) => Promise<void>) => this._register(registerSafeCommand(id, (arg) => fn(orSelection(this.view, arg)), host, log));
    register(REFRESH_LOOPBACK_COMMAND, async () => void (await this.model.refresh()));
    register(SHOW_ONLY_PROBLEMS_COMMAND, async () => this.setOnlyProblems(true));
    register(SHOW_ALL_ADDRESSES_COMMAND, async () => this.setOnlyProblems(false));
    register(SHOW_ADDRESS_DETAILS_COMMAND, async (arg) => {
      const address = subjectOf(arg);
      const item = address ? this.tree.itemFor(address) : undefined;
      if (item) host.showDetails(`${item.entry.address}: ${ADDRESS_STATE_WORDS[item.entry.state]}`, plainText(item.buildTooltip(Date.now()).value));
    });
    register(PROBE_ADDRESS_COMMAND, (arg) => probeAddressCommand(this.model, host, log, arg));
    register(BREAK_ADDRESS_COMMAND, (arg) => breakAddressCommand(this.model, host, log, arg));
    register(RELEASE_LEASE_COMMAND, (arg) => releaseLeaseCommand(this.model, host, log, arg));
    register(COPY_ADDRESS_COMMAND, async (arg) => {
      const address = subjectOf(arg);
      if (!address) return;
      await host.copy(address);
      host.info(`Copied ${address}`);
    });
  }

  private readSettings(): LoopbackSettings {
    const config = vscode.workspace.getConfiguration('flakeDoctor.loopback');
    const { settings, errors } = readLoopbackSettings((key) => {
      return userSetValue(config, key);
    }, workspaceFolders());
    reportSettingErrors(errors, this.host, this.log);
    return settings;
  }

  private setOnlyProblems(only: boolean): void {
    this.tree.setOnlyProblems(only);
    void vscode.commands.executeCommand('setContext', ONLY_PROBLEMS_CONTEXT_KEY, only);
    if (this.model.snapshot) this.render(this.model.snapshot);
  }

  private render(snapshot: LoopbackSnapshot): void {
    const problems = loopbackProblems(snapshot, (address) => this.reveal(address));
    this.problems.setProblems('loopback', problems);
    const notes: string[] = [];
    if (snapshot.scanError) notes.push(`Listening sockets cannot be listed here: ${snapshot.scanError}. Ports and conflicts are unknown, not absent.`);
    for (const pool of snapshot.pools) if (pool.error) notes.push(pool.error);
    if (this.tree.showingOnlyProblems) notes.push(this.tree.hiddenCount === snapshot.addresses.length ? 'No address has a problem (showing only problems).' : `Showing only problems: ${this.tree.hiddenCount} addresses hidden.`);
    this.view.message = notes.length ? notes.join(' ') : undefined;
    this.view.description = `${snapshot.range.first}–${snapshot.range.last}`;
  }

  async reveal(address: string): Promise<void> {
    await vscode.commands.executeCommand(`${LOOPBACK_VIEW_ID}.focus`);
    const item = this.tree.itemFor(address);
    if (item) await this.view.reveal(item, { select: true, focus: true, expand: true });
  }
}
