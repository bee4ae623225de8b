import * as vscode from 'vscode';
import type { ListenerEvent } from '../../core/listener';
import { subjectOf } from '../common/commandArg';
import { orSelection, registerSafeCommands, type CommandHandler } from '../common/commands';
import { ContextKey } from '../common/contextKey';
import { Disposable, eventOf } from '../common/disposable';
import { FeatureView, VISIBLE_TICK_MS } from '../common/featureView';
import { onSettingsChange, readSettingsSection } from '../common/settings';
import type { BridgeFeature } from '../bridge/bridgeFeature';
import { openHow, type DetailsProvider } from '../details/detailsProvider';
import type { Host } from '../common/host';
import type { Log } from '../common/log';
import type { ProblemCenter } from '../problems/problemCenter';
import { callTooltipMarkdown } from './callsFormat';
import { CallsModel, type CallsState } from './callsModel';
import { callsProblems } from './callsProblems';
import { readCallsSettings, type CallsSettings } from './callsSettings';
import { CallsTreeProvider, type CallsNode } from './callsTreeProvider';
import { BREAK_CALL_COMMAND, breakCallCommand } from './commands/breakCall';
import { SHOW_CALL_DETAILS_COMMAND } from './commands/commandIds';
import { COPY_BROKER_URL_COMMAND, copyBrokerUrlCommand } from './commands/copyBrokerUrl';
import { PROBE_BROKER_COMMAND, probeBrokerCommand } from './commands/probeBroker';
import { RESTART_LISTENER_COMMAND, restartListenerCommand } from './commands/restartListener';
import { START_LISTENER_COMMAND, startListenerCommand } from './commands/startListener';
import { STOP_LISTENER_COMMAND, stopListenerCommand } from './commands/stopListener';

export const CALLS_VIEW_ID = 'flakeDoctor.brokerCalls';
const SETTINGS_SECTION = 'flakeDoctor.calls';

/** The "Broker Calls" view: a broker listener from settings, its calls in flight and recent. */
export class CallsFeature extends Disposable {
  private readonly model: CallsModel;
  private readonly tree: CallsTreeProvider;
  private readonly view: FeatureView<CallsNode>;
  /** For title buttons, palette and welcome text. */
  private readonly runningKey = new ContextKey<boolean>('flakeDoctor.calls.listenerRunning');
  private readonly configuredKey = new ContextKey<boolean>('flakeDoctor.calls.brokerConfigured');
  /** The welcome text must not tell users to turn on a setting that is already on. */
  private readonly autostartKey = new ContextKey<boolean>('flakeDoctor.calls.autostart');

  constructor(
    private readonly host: Host,
    private readonly log: Log,
    problems: ProblemCenter,
    bridge?: BridgeFeature,
    private readonly details?: DetailsProvider,
  ) {
    super();
    const settings = this.readSettings();
    this.model = new CallsModel(settings);
    this._register({ dispose: () => void this.model.dispose() });
    this.tree = this._register(new CallsTreeProvider(this.model, bridge?.callsSection));
    this.view = this._register(new FeatureView({ viewId: CALLS_VIEW_ID, tree: this.tree, source: 'calls', problemNoun: 'broker call problem' }, problems));

    if (details) {
      // A call's document renders what its tooltip shows, redrawn when the listener reports a change.
      this._register(
        details.register(
          'call',
          (id, now) => {
            const call = this.model.call(id);
            if (!call) return null;
            const title = `${call.name}: ${call.outcome ?? (call.stalled ? 'stalled' : 'in flight')}`;
            return { name: call.name, title, view: 'Broker Calls', markdown: callTooltipMarkdown(call, now), raw: call };
          },
          [eventOf(this.model, 'change')],
        ),
      );
      this.view.alsoSeenWhile(() => details.isVisible('call'), details.onDidChangeVisible);
    }
    this.model.on('change', (state) => this.render(state));
    this.model.on('listenerEvent', (event) => this.logEvent(event));

    // Listener events redraw the tree whenever something happens; the tick keeps ages current.
    this.view.tickWhileVisible(
      async () => {
        this.model.refresh();
        this.tree.render(Date.now());
      },
      { wanted: () => this.model.isRunning, maxIntervalMs: 5 * VISIBLE_TICK_MS, onError: (err) => log.warn(`Broker Calls refresh failed: ${err.message}`) },
    );
    if (bridge) this._register(bridge.attachView('calls', this.view.treeView, CALLS_VIEW_ID));
    this.render(this.model.state);

    this._register(onSettingsChange(SETTINGS_SECTION, () => this.settingsChanged()));
    // Autostart makes requests to a URL a workspace may have chosen: only in a trusted one.
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.autostart()));
    this._register(registerSafeCommands(this.commands(), host, log));
    this.autostart();
  }

  private commands(): Record<string, CommandHandler> {
    const { model, host, log } = this;
    return {
      [START_LISTENER_COMMAND]: () => startListenerCommand(model, host, log),
      [STOP_LISTENER_COMMAND]: () => stopListenerCommand(model, host, log),
      [RESTART_LISTENER_COMMAND]: () => restartListenerCommand(model, host, log),
      [PROBE_BROKER_COMMAND]: () => probeBrokerCommand(model, host, log),
      [BREAK_CALL_COMMAND]: (arg) => breakCallCommand(model, host, log, orSelection(this.view, arg)),
      [SHOW_CALL_DETAILS_COMMAND]: async (arg, mode) => {
        const id = subjectOf(orSelection(this.view, arg));
        if (id && model.call(id)) await this.details?.open({ kind: 'call', subject: id }, openHow(mode));
      },
      [COPY_BROKER_URL_COMMAND]: () => copyBrokerUrlCommand(model, host),
    };
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
    return readSettingsSection(SETTINGS_SECTION, readCallsSettings, this.host, this.log);
  }

  private settingsChanged(): void {
    this.model.updateSettings(this.readSettings());
    // Turning autostart on or off may change no state the view renders, but it changes the welcome text.
    this.autostartKey.set(this.model.currentSettings.autostart);
    this.autostart();
    if (this.model.state.settingsPending)
      this.log.info('Broker listener settings changed: they apply when the listener is next started (Stop Listener, then Start Listener)');
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
        this.log.warn(
          `Call ${event.call.name} (${event.call.method} ${event.call.url}) stalled: no ${event.call.phase === 'awaiting-headers' ? 'answer' : 'complete body'} yet`,
        );
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

  private render(state: CallsState): void {
    this.view.showProblems(callsProblems(state, (id) => this.view.reveal(id)));
    const l = state.listener;
    this.view.describe(l ? `${l.calls.inFlight.length} in flight` : undefined);
    this.view.showNotes(state.settingsPending ? ['Settings changed since the listener started: stop and start it to apply them.'] : []);
    this.runningKey.set(l !== null);
    this.configuredKey.set(state.brokerUrl !== null);
    this.autostartKey.set(this.model.currentSettings.autostart);
    this.view.updateTicker();
  }
}
