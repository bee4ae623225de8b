import * as vscode from 'vscode';
import type { LoopbackSnapshot } from '../../core/allocator';
import { subjectOf } from '../common/commandArg';
import { orSelection, registerSafeCommands, type CommandHandler } from '../common/commands';
import { ContextKey } from '../common/contextKey';
import { Disposable } from '../common/disposable';
import { FeatureView } from '../common/featureView';
import { onSettingsChange, readSettingsSection } from '../common/settings';
import type { BridgeFeature } from '../bridge/bridgeFeature';
import { openHow, type DetailsProvider } from '../details/detailsProvider';
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
  STOP_SERVER_COMMAND,
} from './commands/commandIds';
import { stopServerCommand } from './commands/stopServer';
import { probeAddressCommand } from './commands/probeAddress';
import { releaseLeaseCommand } from './commands/releaseLease';
import { ADDRESS_STATE_WORDS } from './loopbackFormat';
import { LoopbackModel } from './loopbackModel';
import { loopbackProblems } from './loopbackProblems';
import { readLoopbackSettings, type LoopbackSettings } from './loopbackSettings';
import { LoopbackTreeProvider, type LoopbackNode } from './loopbackTreeProvider';
import { listenFailureRows, orphanRows, type ServerRow } from './serverRows';

export const LOOPBACK_VIEW_ID = 'flakeDoctor.loopbackAddresses';
const SETTINGS_SECTION = 'flakeDoctor.loopback';

function workspaceFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
}

/** The "Loopback Addresses" view: model, tree, commands, problems, settings. */
export class LoopbackFeature extends Disposable {
  private readonly model: LoopbackModel;
  private readonly tree: LoopbackTreeProvider;
  private readonly view: FeatureView<LoopbackNode>;
  /** The title bar's filter toggle. */
  private readonly onlyProblemsKey = new ContextKey<boolean>('flakeDoctor.loopback.onlyProblems');
  /** Orphaned servers (the model's detector) and failed listens (attached processes), as rows. */
  private readonly serverRows: () => ServerRow[];

  constructor(
    private readonly host: Host,
    private readonly log: Log,
    problems: ProblemCenter,
    bridge?: BridgeFeature,
    private readonly details?: DetailsProvider,
  ) {
    super();
    // Orphaned servers are traced through the records attached processes leave in the bridge directory.
    this.model = new LoopbackModel(this.readSettings(), undefined, bridge ? () => bridge.model.dir : undefined);
    this._register({ dispose: () => this.model.dispose() });
    this.serverRows = () => [...orphanRows(this.model.orphans), ...listenFailureRows((bridge?.processes() ?? []).map((p) => p.snapshot))];
    this.tree = this._register(
      new LoopbackTreeProvider(
        this.model,
        (pid) => {
          const p = bridge?.processByPid(pid);
          return p && bridge ? bridge.describe(p) : null;
        },
        this.serverRows,
      ),
    );
    if (bridge) this._register(bridge.onDidChange(() => this.tree.holderNamesChanged()));
    this.view = this._register(
      new FeatureView(
        { viewId: LOOPBACK_VIEW_ID, tree: this.tree, source: 'loopback', problemNoun: 'loopback problem', showCollapseAll: true, expandOnReveal: true },
        problems,
      ),
    );

    if (details) {
      // An address's document renders what its tooltip shows; it changes when the rows do.
      this._register(
        details.register(
          'address',
          (address, now) => {
            const item = this.tree.itemFor(address);
            if (!item) return null;
            const { entry } = item;
            const title = `${entry.address}: ${ADDRESS_STATE_WORDS[entry.state]}`;
            return { name: entry.address, title, view: 'Loopback Addresses', markdown: item.buildTooltip(now).value, raw: entry };
          },
          [this.tree.onDidChangeTreeData],
        ),
      );
      // An open address document can be read with the view closed: it keeps the scans going.
      this.view.alsoSeenWhile(() => details.isVisible('address'), details.onDidChangeVisible);
    }
    this.model.on('change', (snapshot) => this.render(snapshot));
    this.model.on('error', (err) => log.warn(`Loopback refresh failed: ${err.message}`));
    // The model polls only while the view can be seen; pool-file changes still refresh it while hidden.
    this.view.followVisibility((visible) => this.model.setVisible(visible));
    void this.model.refresh().catch((err: Error) => log.warn(`Loopback refresh failed: ${err.message}`));

    this._register(onSettingsChange(SETTINGS_SECTION, () => this.model.updateSettings(this.readSettings())));
    this._register(registerSafeCommands(this.commands(), host, log));
  }

  private commands(): Record<string, CommandHandler> {
    const { model, tree, host, log } = this;
    const selected =
      (fn: (arg: unknown) => Promise<void>): CommandHandler =>
      (arg) =>
        fn(orSelection(this.view, arg));
    return {
      [REFRESH_LOOPBACK_COMMAND]: async () => void (await model.refresh()),
      [SHOW_ONLY_PROBLEMS_COMMAND]: async () => this.setOnlyProblems(true),
      [SHOW_ALL_ADDRESSES_COMMAND]: async () => this.setOnlyProblems(false),
      [SHOW_ADDRESS_DETAILS_COMMAND]: async (arg, mode) => {
        const address = subjectOf(orSelection(this.view, arg));
        if (address && tree.itemFor(address)) await this.details?.open({ kind: 'address', subject: address }, openHow(mode));
      },
      [PROBE_ADDRESS_COMMAND]: selected((arg) => probeAddressCommand(model, host, log, arg)),
      [BREAK_ADDRESS_COMMAND]: selected((arg) => breakAddressCommand(model, host, log, arg)),
      [RELEASE_LEASE_COMMAND]: selected((arg) => releaseLeaseCommand(model, host, log, arg)),
      [STOP_SERVER_COMMAND]: selected(async (arg) => {
        await stopServerCommand(this.serverRows, model.currentSettings.breakGraceMs, host, log, arg);
        await model.refresh();
      }),
      [COPY_ADDRESS_COMMAND]: selected(async (arg) => {
        const address = subjectOf(arg);
        if (!address) return;
        await host.copy(address);
        host.info(`Copied ${address}`);
      }),
    };
  }

  private readSettings(): LoopbackSettings {
    return readSettingsSection(SETTINGS_SECTION, (get) => readLoopbackSettings(get, workspaceFolders()), this.host, this.log);
  }

  private setOnlyProblems(only: boolean): void {
    this.tree.setOnlyProblems(only);
    this.onlyProblemsKey.set(only);
    if (this.model.snapshot) this.render(this.model.snapshot);
  }

  private render(snapshot: LoopbackSnapshot): void {
    this.view.showProblems(loopbackProblems(snapshot, (address) => this.view.reveal(address), this.model.orphans));
    const notes: string[] = [];
    if (snapshot.scanError) notes.push(`Listening sockets cannot be listed here: ${snapshot.scanError}. Ports and conflicts are unknown, not absent.`);
    for (const pool of snapshot.pools) if (pool.error) notes.push(pool.error);
    for (const pool of snapshot.pools)
      if (pool.rewriting) notes.push(`Pool file ${pool.file} is being rewritten by its owner; its leases show once a write completes.`);
    if (this.tree.showingOnlyProblems)
      notes.push(
        this.tree.hiddenCount === snapshot.addresses.length
          ? 'No address has a problem (showing only problems).'
          : `Showing only problems: ${this.tree.hiddenCount} addresses hidden.`,
      );
    this.view.showNotes(notes);
    this.view.describe(`${snapshot.range.first}–${snapshot.range.last}`);
  }
}
