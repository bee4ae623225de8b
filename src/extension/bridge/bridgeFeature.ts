import * as vscode from 'vscode';
import { bridgeDirectory } from '../../core/bridge';
import type { DoctorProblem } from '../../core/doctor/problem';
import { AdaptivePoller } from '../common/adaptivePoller';
import { registerSafeCommand } from '../common/commands';
import { Disposable, subscribe } from '../common/disposable';
import { VISIBLE_TICK_MS } from '../common/featureView';
import { onSettingsChange, readSettingsSection } from '../common/settings';
import type { Host } from '../common/host';
import type { Log } from '../common/log';
import type { ProblemCenter } from '../problems/problemCenter';
import { processName } from './attachedFormat';
import { AttachedItem } from './attachedItem';
import { openHow, type DetailsProvider } from '../details/detailsProvider';
import { SHOW_ATTACHED_DETAILS_COMMAND } from './commands/commandIds';
import { attachedProblems } from './attachedProblems';
import { attachedCallRows, attachedSessionRows, type RowContext } from './attachedRows';
import { AttachedSection } from './attachedSection';
import { applyAutoAttach, MODE_TITLE, writeBootloader } from './autoAttach';
import { BridgeModel, type AttachedProcess } from './bridgeModel';
import { readBridgeSettings, type BridgeSettings } from './bridgeSettings';
import { ATTACHED_ACTIONS, actOnAttached } from './commands/actOnAttached';

export const CONFIGURE_AUTO_ATTACH_COMMAND = 'flakeDoctor.bridge.configureAutoAttach';
const RENDER_THROTTLE_MS = 100;
const SETTINGS_SECTION = 'flakeDoctor.bridge';

export type AttachedView = 'calls' | 'sessions';
type Revealer = (item: AttachedItem) => Promise<void>;

/**
 * The live bridge in the editor: auto-attach for terminals, the attached processes (one
 * watched directory, one connection each), their rows in Broker Calls and WebSocket Sessions,
 * their problems in the status bar, and the actions routed back to them.
 */
export class BridgeFeature extends Disposable {
  readonly model: BridgeModel;
  readonly callsSection = this._register(new AttachedSection());
  readonly sessionsSection = this._register(new AttachedSection());
  private readonly statusItem: vscode.StatusBarItem;
  private readonly ticker: AdaptivePoller;
  private readonly visible = new Set<AttachedView>();
  private readonly revealers = new Map<AttachedView, Revealer>();
  private readonly changeEmitter = this._register(new vscode.EventEmitter<void>());
  /** Fires when the set of attached processes or what they publish changes (for Loopback and Locks). */
  readonly onDidChange = this.changeEmitter.event;
  private settings: BridgeSettings;
  private renderTimer: NodeJS.Timeout | null = null;
  /**
   * What the processes publish changed since the last render. Loopback and Locks redraw only
   * then (throttled with the render), not on the age ticks of the views with attached rows.
   */
  private published = false;
  private readonly bootloader: string;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly host: Host,
    private readonly log: Log,
    private readonly problems: ProblemCenter,
    private readonly details?: DetailsProvider,
  ) {
    super();
    this.settings = this.readSettings();
    const dir = bridgeDirectory();
    this.model = new BridgeModel({ dir, ownPid: process.pid });
    this._register({ dispose: () => void this.model.dispose() });
    this._register(
      subscribe(this.model, 'change', () => {
        this.published = true;
        this.scheduleRender();
      }),
    );
    this._register(
      subscribe(this.model, 'attached', (p: AttachedProcess) =>
        log.info(`Attached to pid ${p.entry.pid}${p.entry.threadId ? ` thread ${p.entry.threadId}` : ''}: ${p.entry.command}`),
      ),
    );
    this._register(subscribe(this.model, 'detached', (p: AttachedProcess, why: string) => log.info(`Detached from pid ${p.entry.pid}: ${why}`)));
    this._register(subscribe(this.model, 'problem', (m: string) => log.warn(`Live bridge: ${m}`)));

    this.bootloader = writeBootloader(context.globalStorageUri.fsPath, context.asAbsolutePath('dist/bridge-register.cjs'));
    this.applyAutoAttach();

    this.statusItem = this._register(vscode.window.createStatusBarItem('flakeDoctor.autoAttach', vscode.StatusBarAlignment.Left, 99));
    this.statusItem.name = 'Flake Doctor Auto Attach';
    this.statusItem.command = CONFIGURE_AUTO_ATTACH_COMMAND;

    this.ticker = new AdaptivePoller(async () => this.render(), {
      minIntervalMs: VISIBLE_TICK_MS,
      maxIntervalMs: 5 * VISIBLE_TICK_MS,
      onError: (err) => log.warn(`Attached processes refresh failed: ${(err as Error).message}`),
    });
    this._register({ dispose: () => this.ticker.dispose() });
    this._register({ dispose: () => this.renderTimer && clearTimeout(this.renderTimer) });

    this._register(
      onSettingsChange(SETTINGS_SECTION, () => {
        this.settings = this.readSettings();
        this.applyAutoAttach();
        this.render();
      }),
    );
    this.registerCommands();
    this.registerDetails();
    void this.model.start().then(() => this.render());
    this.render();
  }

  /**
   * A view that shows attached rows: its visibility drives the age ticker (no ticking while
   * no such view can be seen), and problem-list "Reveal" goes to it. Disposed with the view.
   */
  attachView(which: AttachedView, view: vscode.TreeView<unknown>, viewId: string): vscode.Disposable {
    const setVisible = (visible: boolean): void => {
      if (visible) this.visible.add(which);
      else this.visible.delete(which);
      this.ticker.setActive(this.visible.size > 0 && this.model.processes().length > 0);
      this.model.setSweeping(this.visible.size > 0);
    };
    setVisible(view.visible);
    const subscription = view.onDidChangeVisibility((e) => setVisible(e.visible));
    this.revealers.set(which, async (item) => {
      await vscode.commands.executeCommand(`${viewId}.focus`);
      await view.reveal(item, { select: true, focus: true });
    });
    return {
      dispose: () => {
        subscription.dispose();
        setVisible(false);
        this.revealers.delete(which);
      },
    };
  }

  processes(): AttachedProcess[] {
    return this.model.processes();
  }

  /** The attached process (main thread) with this pid, for naming a lease or lock holder. */
  processByPid(pid: number): AttachedProcess | undefined {
    return this.model.processes().find((p) => p.entry.pid === pid && p.entry.threadId === 0);
  }

  describe(p: AttachedProcess): string {
    return processName(p.entry, p.snapshot, this.workspaceRoot());
  }

  private workspaceRoot(): string | null {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? null;
  }

  private readSettings(): BridgeSettings {
    return readSettingsSection(SETTINGS_SECTION, readBridgeSettings, this.host, this.log);
  }

  private applyAutoAttach(): void {
    applyAutoAttach(this.context.environmentVariableCollection, this.settings, this.bootloader, this.model.dir);
    this.log.info(
      `Auto-attach ${MODE_TITLE[this.settings.autoAttach]}${this.settings.autoAttach === 'off' ? '' : ` (new terminals preload ${this.bootloader}; bridge directory ${this.model.dir})`}`,
    );
  }

  private scheduleRender(): void {
    this.renderTimer ??= setTimeout(() => {
      this.renderTimer = null;
      this.render();
    }, RENDER_THROTTLE_MS);
  }

  private render(): void {
    const processes = this.model.processes();
    const ctx: RowContext = { now: Date.now(), workspaceRoot: this.workspaceRoot(), health: { backlogWarningBytes: this.backlogWarningBytes() } };
    this.callsSection.update(attachedCallRows(processes, ctx));
    this.sessionsSection.update(attachedSessionRows(processes, ctx));
    this.problems.setProblems(
      'attached',
      attachedProblems(processes, ctx.health, (p, key) => this.reveal(p, key)),
    );
    this.renderStatus(processes.length);
    this.ticker.setActive(this.visible.size > 0 && processes.length > 0);
    if (this.published) {
      this.published = false;
      this.changeEmitter.fire();
    }
  }

  private backlogWarningBytes(): number {
    // The same threshold as the view's own sessions (flakeDoctor.sessions.backlogWarningBytes).
    const bytes = vscode.workspace.getConfiguration('flakeDoctor.sessions').get<number>('backlogWarningBytes');
    return typeof bytes === 'number' && Number.isInteger(bytes) && bytes >= 1024 ? bytes : 1024 * 1024;
  }

  private renderStatus(count: number): void {
    const mode = this.settings.autoAttach;
    if (mode === 'off' && count === 0) {
      this.statusItem.hide();
      return;
    }
    this.statusItem.text = `$(plug) Attach: ${MODE_TITLE[mode]}${count ? ` · ${count}` : ''}`;
    this.statusItem.tooltip = `Flake Doctor auto-attach is ${MODE_TITLE[mode].toLowerCase()}${mode === 'smart' ? ' (test runners and scripts outside node_modules, started in a new terminal)' : ''}. ${count} process${count === 1 ? '' : 'es'} attached. Click to change the mode or list them.`;
    this.statusItem.accessibilityInformation = { label: `Flake Doctor auto-attach ${MODE_TITLE[mode]}, ${count} attached` };
    this.statusItem.show();
  }

  private async reveal(problem: DoctorProblem, key: string): Promise<void> {
    const view: AttachedView = problem.area === 'sessions' ? 'sessions' : 'calls';
    const section = view === 'sessions' ? this.sessionsSection : this.callsSection;
    const item = problem.target ? section.itemFor(key, problem.target) : undefined;
    if (item) await this.revealers.get(view)?.(item);
  }

  private registerCommands(): void {
    const { model, host, log } = this;
    for (const spec of Object.values(ATTACHED_ACTIONS)) {
      this._register(registerSafeCommand(spec.id, (...args) => actOnAttached(spec, model, host, log, args), host, log));
    }
    this._register(registerSafeCommand(CONFIGURE_AUTO_ATTACH_COMMAND, () => this.configure(), host, log));
  }

  /** An attached row's document renders what its tooltip shows, redrawn when the process publishes a change. */
  private registerDetails(): void {
    const { details } = this;
    if (!details) return;
    const rowOf = (id: string): AttachedItem | undefined => this.callsSection.item(id) ?? this.sessionsSection.item(id);
    this._register(
      details.register(
        'attached',
        (id) => {
          const item = rowOf(id);
          if (!item) return null;
          const { spec } = item;
          const view = this.callsSection.item(id) ? 'Broker Calls' : 'WebSocket Sessions';
          return { name: spec.label, title: spec.what ?? spec.label, view: `${view} (attached process)`, markdown: spec.tooltip() };
        },
        [this.onDidChange, this.callsSection.onDidChange, this.sessionsSection.onDidChange],
      ),
    );
    this._register(
      registerSafeCommand(
        SHOW_ATTACHED_DETAILS_COMMAND,
        async (arg, mode) => {
          const id = typeof arg === 'string' ? arg : arg instanceof AttachedItem ? arg.id : undefined;
          if (id && rowOf(id)) await details.open({ kind: 'attached', subject: id }, openHow(mode));
        },
        this.host,
        this.log,
      ),
    );
  }

  private async configure(): Promise<void> {
    type Pick = vscode.QuickPickItem & { mode?: BridgeSettings['autoAttach']; proc?: AttachedProcess };
    const current = this.settings.autoAttach;
    const items: Pick[] = [
      { label: 'Auto-attach mode', kind: vscode.QuickPickItemKind.Separator },
      { label: `${current === 'smart' ? '$(check) ' : ''}Smart`, description: 'test runners and scripts outside node_modules', mode: 'smart' },
      { label: `${current === 'always' ? '$(check) ' : ''}Always`, description: 'every Node process started in a terminal', mode: 'always' },
      { label: `${current === 'off' ? '$(check) ' : ''}Off`, description: 'no process publishes unless it loads the register module itself', mode: 'off' },
    ];
    const processes = this.model.processes();
    if (processes.length) {
      items.push({ label: 'Attached processes', kind: vscode.QuickPickItemKind.Separator });
      for (const p of processes) items.push({ label: `$(terminal) ${this.describe(p)}`, detail: p.entry.command, proc: p });
    }
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Flake Doctor auto-attach',
      placeHolder: 'Applies to terminals opened from now on',
      matchOnDetail: true,
    });
    if (picked?.mode) {
      const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
      const inspected = config.inspect('autoAttach');
      const target =
        inspected?.workspaceFolderValue !== undefined
          ? vscode.ConfigurationTarget.WorkspaceFolder
          : inspected?.workspaceValue !== undefined
            ? vscode.ConfigurationTarget.Workspace
            : vscode.ConfigurationTarget.Global;
      await config.update('autoAttach', picked.mode, target);
      this.host.info(`Flake Doctor: auto-attach is ${MODE_TITLE[picked.mode].toLowerCase()} for terminals opened from now on.`);
    } else if (picked?.proc) {
      const item = this.callsSection.itemFor(picked.proc.key, '') ?? this.callsSection.roots().find((r) => r.processKey === picked.proc?.key);
      if (item) await this.revealers.get('calls')?.(item);
    }
  }
}
