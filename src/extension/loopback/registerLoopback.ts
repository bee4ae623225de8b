import * as vscode from 'vscode';
import type { LoopbackSnapshot } from '../../core/allocator';
import { subjectOf } from '../common/commandArg';
import { registerSafeCommand, reportSettingErrors, userSetValue } from '../common/commands';
import { Disposable } from '../common/disposable';
import type { BridgeFeature } from '../bridge/registerBridge';
import type { Host } from '../common/host';
import type { Log } from '../log';
import type { ProblemCenter } from '../problems/problemCenter';
import { BREAK_ADDRESS_COMMAND, breakAddressCommand } from './commands/breakAddress';
import { PROBE_ADDRESS_COMMAND, probeAddressCommand } from './commands/probeAddress';
import { RELEASE_LEASE_COMMAND, releaseLeaseCommand } from './commands/releaseLease';
import { LoopbackModel } from './loopbackModel';
import { loopbackProblems } from './loopbackProblems';
import { readLoopbackSettings, type LoopbackSettings } from './loopbackSettings';
import { LoopbackTreeProvider } from './loopbackTreeProvider';
import { AddressItem } from './addressItem';
import { PortItem } from './portItem';

export const LOOPBACK_VIEW_ID = 'flakeDoctor.loopbackAddresses';

function workspaceFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
}

/** The "Loopback Addresses" view: model, tree, commands, problems, settings. */
export class LoopbackFeature extends Disposable {
  private readonly model: LoopbackModel;
  private readonly view: vscode.TreeView<AddressItem | PortItem>;
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
    const register = (id: string, fn: (arg: unknown) => Promise<void>) => this._register(registerSafeCommand(id, (arg) => fn(arg), host, log));
    register('flakeDoctor.loopback.refresh', async () => void (await this.model.refresh()));
    register(PROBE_ADDRESS_COMMAND, (arg) => probeAddressCommand(this.model, host, log, arg));
    register(BREAK_ADDRESS_COMMAND, (arg) => breakAddressCommand(this.model, host, log, arg));
    register(RELEASE_LEASE_COMMAND, (arg) => releaseLeaseCommand(this.model, host, log, arg));
    register('flakeDoctor.loopback.copyAddress', async (arg) => {
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

  private render(snapshot: LoopbackSnapshot): void {
    const problems = loopbackProblems(snapshot, (address) => this.reveal(address));
    this.problems.setProblems('loopback', problems);
    const notes: string[] = [];
    if (snapshot.scanError) notes.push(`Listening sockets cannot be listed here: ${snapshot.scanError}. Ports and conflicts are unknown, not absent.`);
    for (const pool of snapshot.pools) if (pool.error) notes.push(pool.error);
    this.view.message = notes.length ? notes.join(' ') : undefined;
    this.view.description = `${snapshot.range.first}–${snapshot.range.last}`;
  }

  async reveal(address: string): Promise<void> {
    await vscode.commands.executeCommand(`${LOOPBACK_VIEW_ID}.focus`);
    const item = this.tree.itemFor(address);
    if (item) await this.view.reveal(item, { select: true, focus: true, expand: true });
  }
}
