import * as vscode from 'vscode';
import type { ListenerEvent } from '../../core/listener';
import { AdaptivePoller } from '../common/adaptivePoller';
import { subjectOf } from '../common/commandArg';
import { plainText } from '../common/format';
import { callTooltipMarkdown } from './callsFormat';
import { SHOW_CALL_DETAILS_COMMAND } from './commands/commandIds';
import { orSelection, registerSafeCommand, reportSettingErrors, userSetValue, type CommandHandler } from '../common/commands';
import { Disposable } from '../common/disposable';
import type { BridgeFeature } from '../bridge/bridgeFeature';
import type { Host } from '../common/host';
import type { Log } from '../common/log';
import type { ProblemCenter } from '../problems/problemCenter';
import { CallsModel, type CallsState } from './callsModel';
import { callsProblems } from './callsProblems';
import { readCallsSettings, type CallsSettings } from './callsSettings';
import { CallsTreeProvider, type CallsNode } from './callsTreeProvider';
import { BREAK_CALL_COMMAND, breakCallCommand } from './commands/breakCall';
import { COPY_BROKER_URL_COMMAND, copyBrokerUrlCommand } from './commands/copyBrokerUrl';
import { PROBE_BROKER_COMMAND, probeBrokerCommand } from './commands/probeBroker';
import { RESTART_LISTENER_COMMAND, restartListenerCommand } from './commands/restartListener';
import { START_LISTENER_COMMAND, startListenerCommand } from './commands/startListener';
import { STOP_LISTENER_COMMAND, stopListenerCommand } from './commands/stopListener';

export const CALLS_VIEW_ID = 'flakeDoctor.brokerCalls';
/** Context keys for title buttons, palette and welcome text. */
const RUNNING_CONTEXT_KEY = 'flakeDoctor.calls.listenerRunning';
const CONFIGURED_CONTEXT_KEY = 'flakeDoctor.calls.brokerConfigured';
const AUTOSTART_CONTEXT_KEY = 'flakeDoctor.calls.autostart';
/** Ages in the rows refresh at this pace while the view is visible (never while hidden). */
const VISIBLE_TICK_MS = 1000;

/** The "Broker Calls" view: a broker listener from settings, its calls in flight and recent. */
export class CallsFeature extends Disposable {
  private readonly model: CallsModel;
  private readonly tree: CallsTreeProvider;
  private readonly view: vscode.TreeView<CallsNode>;
  private readonly ticker: AdaptivePoller;
  private lastContext = '';

  constructor(
    private readonly host: Host,
    private readonly log: Log,
    private readonly problems: ProblemCenter,
    bridge?: BridgeFeature,
  ) {
    super();
    const settings = this.readSettings();
    this.model = new CallsModel(settings);
    this._register({ dispose: () => void this.model.dispose() });
    this.tree = this._register(new CallsTreeProvider(this.model, bridge?.callsSection));
    this.view = this._register(vscode.window.createTreeView(CALLS_VIEW_ID, { treeDataProvider: this.tree }));
    problems.registerBadge('calls', this.view, 'broker call problem');

    this.model.on('change', (state) => this.render(state));
    this.model.on('listenerEvent', (event) => this.logEvent(event));

    // Listener events redraw the tree whenever something happens; this tick only keeps ages
    // current while someone can see them.
    this.ticker = new AdaptivePoller(
      async () => {
        this.model.refresh();
        this.tree.render(Date.now());
      },
      { minIntervalMs: VISIBLE_TICK_MS, maxIntervalMs: 5 * VISIBLE_TICK_MS, onError: (err) => log.warn(`Broker Calls refresh failed: ${(err as Error).message}`) },
    );
    this._register({ dispose: () => this.ticker.dispose() });
    this._register(this.view.onDidChangeVisibility(() => this.updateTicker()));
    if (bridge) this._register(bridge.attachView('calls', this.view, CALLS_VIEW_ID));
    this.render(this.model.state);

    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('flakeDoctor.calls')) this.settingsChanged();
      }),
    );
    // Autostart makes requests to a URL a workspace may have chosen: only in a trusted one.
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.autostart()));
    this.registerCommands();
    this.autostart();
  }

  private registerCommands(): void {
    const { model, host, log } = this;
    const register = (id: string, fn: CommandHandler) => this._register(registerSafeCommand(id, fn, host, log));
    register(START_LISTENER_COMMAND, () => startListenerCommand(model, host, log));
    register(STOP_LISTENER_COMMAND, () => stopListenerCommand(model, host, log));
    register(RESTART_LISTENER_COMMAND, () => restartListenerCommand(model, host, log));
    register(PROBE_BROKER_COMMAND, () => probeBrokerCommand(model, host, log));
    register(BREAK_CALL_COMMAND, (arg) => breakCallCommand(model, host, log, orSelection(this.view, arg)));
    register(SHOW_CALL_DETAILS_COMMAND, async (arg) => {
      const id = subjectOf(arg);
      const call = id ? model.call(id) : undefined;
      if (call) host.showDetails(`${call.name}: ${call.outcome ?? (call.stalled ? 'stalled' : 'in flight')}`, plainText(callTooltipMarkdown(call, Date.now())));
    });
    register(COPY_BROKER_URL_COMMAND, () => copyBrokerUrlCommand(model, host));
  }

  private autostart(): void {
    const s = this.model.currentSettings;
    if (!s.autostart || !s.brokerUrl || this.model.isRunning) return;
    if (!this.host.isTrusted()) {
      this.log.info('Broker listener autostart skipped: the workspace is not trusted (it starts once you trust it)');
      return;
    }
    void startListenerCommand(this.model, this.host, this.log, true).catch((err: Error) => {
      this.log.error(`Broker listener autostart failed: ${err.message}`);
      this.host.error(`Flake Doctor: the broker listener did not start: ${err.message}`);
    });
  }

  private readSettings(): CallsSettings {
    const config = vscode.workspace.getConfiguration('flakeDoctor.calls');
    const { settings, errors } = readCallsSettings((key) => {
      return userSetValue(config, key);
    });
    reportSettingErrors(errors, this.host, this.log);
    return settings;
  }

  private settingsChanged(): void {
    this.model.updateSettings(this.readSettings());
    this.autostart();
    if (this.model.state.settingsPending) this.log.info('Broker listener settings changed: they apply when the listener is next started (Stop Listener, then Start Listener)');
  }

  private logEvent(event: ListenerEvent): void {
    switch (event.type) {
      case 'session-created':
        this.log.info(`Broker session ${event.sessionId} created`);
        break;
      case 'session-deleted':
        this.log.info(`Broker session ${event.sessionId} deleted`);
        break;
      case 'jobs-acquired':
        this.log.info(`Acquired job${event.requestIds.length === 1 ? '' : 's'} ${event.requestIds.join(', ')}`);
        break;
      case 'error':
        this.log.warn(`Broker listener: ${event.error.callName ? `${event.error.callName}: ` : ''}${event.error.message}`);
        break;
      case 'restart-scheduled':
        this.log.info(`Broker listener run ${event.attempt} failed; next run in ${Math.round(event.delayMs)} ms`);
        break;
      case 'call-stalled':
        this.log.warn(`Call ${event.call.name} (${event.call.method} ${event.call.url}) stalled: no ${event.call.phase === 'awaiting-headers' ? 'answer' : 'complete body'} yet`);
        break;
      case 'call-ended':
        // External calls can be many; only the listener's failed calls are worth a log line.
        if (event.call.kind !== 'external' && event.call.outcome !== 'ok') {
          this.log.info(`Call ${event.call.name} (${event.call.id}) ended: ${event.call.outcome}${event.call.error ? ` (${event.call.error})` : ''}`);
        }
        break;
      default:
        break;
    }
  }

  private updateTicker(): void {
    this.ticker.setActive(this.view.visible && this.model.isRunning);
  }

  private render(state: CallsState): void {
    const problems = callsProblems(state, (id) => this.reveal(id));
    this.problems.setProblems('calls', problems);
    const l = state.listener;
    this.view.description = l ? `${l.calls.inFlight.length} in flight` : undefined;
    this.view.message = state.settingsPending ? 'Settings changed since the listener started: stop and start it to apply them.' : undefined;
    const autostart = this.model.currentSettings.autostart;
    const context = `${l !== null}|${state.brokerUrl !== null}|${autostart}`;
    if (context !== this.lastContext) {
      this.lastContext = context;
      void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, l !== null);
      void vscode.commands.executeCommand('setContext', CONFIGURED_CONTEXT_KEY, state.brokerUrl !== null);
      // The welcome text must not tell users to turn on a setting that is already on.
      void vscode.commands.executeCommand('setContext', AUTOSTART_CONTEXT_KEY, autostart);
    }
    this.updateTicker();
  }

  async reveal(callId: string): Promise<void> {
    await vscode.commands.executeCommand(`${CALLS_VIEW_ID}.focus`);
    const item = this.tree.itemFor(callId);
    if (item) await this.view.reveal(item, { select: true, focus: true });
  }
}
