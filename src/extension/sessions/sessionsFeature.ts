import * as vscode from 'vscode';
import { AdaptivePoller } from '../common/adaptivePoller';
import { subjectOf } from '../common/commandArg';
import { plainText } from '../common/format';
import { orSelection, registerSafeCommand, reportSettingErrors, userSetValue, type CommandHandler } from '../common/commands';
import { Disposable } from '../common/disposable';
import type { BridgeFeature } from '../bridge/bridgeFeature';
import type { Host } from '../common/host';
import type { Log } from '../common/log';
import type { ProblemCenter } from '../problems/problemCenter';
import { BREAK_SESSION_COMMAND, breakSessionCommand } from './commands/breakSession';
import { COPY_URL_COMMAND, copyUrlCommand } from './commands/copyUrl';
import { PROBE_SESSION_COMMAND, probeSessionCommand } from './commands/probeSession';
import { RESTART_RELAY_COMMAND, restartRelayCommand } from './commands/restartRelay';
import { START_RELAY_COMMAND, startRelayCommand } from './commands/startRelay';
import { STOP_RELAY_COMMAND, stopRelayCommand } from './commands/stopRelay';
import { remoteOf, sessionTooltipMarkdown } from './sessionsFormat';
import { SHOW_SESSION_DETAILS_COMMAND } from './commands/commandIds';
import { SessionsModel, type RelayStatus, type SessionsState } from './sessionsModel';
import { sessionsProblems } from './sessionsProblems';
import { readSessionsSettings, type SessionsSettings } from './sessionsSettings';
import { SessionsTreeProvider, type SessionsNode } from './sessionsTreeProvider';

export const SESSIONS_VIEW_ID = 'flakeDoctor.webSocketSessions';
/** Context key for the view's title buttons and welcome text: the relay's `RelayStatus`. */
const STATUS_CONTEXT_KEY = 'flakeDoctor.sessions.relayStatus';
/** Ages in the rows refresh at this pace while the view is visible (never while hidden). */
const VISIBLE_TICK_MS = 1000;

/** The "WebSocket Sessions" view: the embedded relay, its sessions and their health. */
export class SessionsFeature extends Disposable {
  private readonly model: SessionsModel;
  private readonly tree: SessionsTreeProvider;
  private readonly view: vscode.TreeView<SessionsNode>;
  private readonly ticker: AdaptivePoller;
  private lastStatus: RelayStatus | null = null;

  constructor(
    private readonly host: Host,
    private readonly log: Log,
    private readonly problems: ProblemCenter,
    bridge?: BridgeFeature,
  ) {
    super();
    const settings = this.readSettings();
    this.model = new SessionsModel(settings);
    this._register({ dispose: () => void this.model.dispose() });
    this.tree = this._register(new SessionsTreeProvider(this.model, bridge?.sessionsSection));
    this.view = this._register(vscode.window.createTreeView(SESSIONS_VIEW_ID, { treeDataProvider: this.tree }));
    problems.registerBadge('sessions', this.view, 'WebSocket session problem');

    this.model.on('change', (state) => this.render(state));
    this.model.on('sessionOpened', (s) => log.info(`Session ${s.id} opened: ${s.role} from ${remoteOf(s)}`));
    this.model.on('sessionClosed', (r) => log.info(`Session ${r.id} (${r.role}, ${remoteOf(r)}) closed: ${r.code}${r.reason ? ` "${r.reason}"` : ''}`));
    this.model.on('sessionError', (e) => log.warn(`Session ${e.id}: ${e.message}`));

    // Relay events redraw the tree whenever it changes; this tick only keeps ages (and queue
    // depths, which the relay does not announce) current while someone can see them.
    this.ticker = new AdaptivePoller(
      async () => {
        this.model.refresh();
        this.tree.render(Date.now());
      },
      { minIntervalMs: VISIBLE_TICK_MS, maxIntervalMs: 5 * VISIBLE_TICK_MS, onError: (err) => log.warn(`Sessions refresh failed: ${(err as Error).message}`) },
    );
    this._register({ dispose: () => this.ticker.dispose() });
    this._register(this.view.onDidChangeVisibility(() => this.updateTicker()));
    if (bridge) this._register(bridge.attachView('sessions', this.view, SESSIONS_VIEW_ID));
    this.render(this.model.state);

    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('flakeDoctor.sessions')) this.settingsChanged();
      }),
    );
    this.registerCommands();
    if (settings.autostart) void startRelayCommand(this.model, host, log, true);
  }

  private registerCommands(): void {
    const { model, host, log } = this;
    const register = (id: string, fn: CommandHandler) => this._register(registerSafeCommand(id, fn, host, log));
    register(START_RELAY_COMMAND, () => startRelayCommand(model, host, log));
    register(STOP_RELAY_COMMAND, () => stopRelayCommand(model, host, log));
    register(RESTART_RELAY_COMMAND, () => restartRelayCommand(model, host, log));
    register(PROBE_SESSION_COMMAND, (arg) => probeSessionCommand(model, host, log, orSelection(this.view, arg)));
    register(BREAK_SESSION_COMMAND, (arg, code, reason) => breakSessionCommand(model, host, log, orSelection(this.view, arg), code, reason));
    register(SHOW_SESSION_DETAILS_COMMAND, async (arg) => {
      const id = subjectOf(arg);
      const c = id ? model.session(id) : undefined;
      if (c) host.showDetails(`${c.session.id} (${c.session.role}, ${remoteOf(c.session)})`, plainText(sessionTooltipMarkdown(c, Date.now())));
    });
    register(COPY_URL_COMMAND, () => copyUrlCommand(model, host));
  }

  private readSettings(): SessionsSettings {
    const config = vscode.workspace.getConfiguration('flakeDoctor.sessions');
    const { settings, errors } = readSessionsSettings((key) => {
      // Exposing the relay beyond loopback is the user's decision, never a workspace's.
      if (key === 'allowNonLoopback') return config.inspect(key)?.globalValue;
      return userSetValue(config, key);
    });
    reportSettingErrors(errors, this.host, this.log);
    return settings;
  }

  private settingsChanged(): void {
    const before = this.model.currentSettings;
    const settings = this.readSettings();
    this.model.updateSettings(settings);
    if (settings.autostart && !before.autostart && !this.model.isRunning) void startRelayCommand(this.model, this.host, this.log, true);
    if (this.model.state.settingsPending) this.log.info('WebSocket relay settings changed: they apply when the relay is next started (Stop Relay, then Start Relay)');
  }

  private updateTicker(): void {
    this.ticker.setActive(this.view.visible && this.model.state.relay !== null);
  }

  private render(state: SessionsState): void {
    const problems = sessionsProblems(state, (id) => this.reveal(id));
    this.problems.setProblems('sessions', problems);
    this.view.description = state.relay ? state.relay.url.replace(/^ws:\/\//, '') : state.status === 'failed' ? 'not running' : undefined;
    const notes: string[] = [];
    if (state.error) notes.push(`The relay is not running: ${state.error}.`);
    if (state.settingsPending) notes.push('Settings changed since the relay started: stop and start it to apply them.');
    this.view.message = notes.length ? notes.join(' ') : undefined;
    if (state.status !== this.lastStatus) {
      this.lastStatus = state.status;
      void vscode.commands.executeCommand('setContext', STATUS_CONTEXT_KEY, state.status);
    }
    this.updateTicker();
  }

  async reveal(sessionId: string): Promise<void> {
    await vscode.commands.executeCommand(`${SESSIONS_VIEW_ID}.focus`);
    const item = this.tree.itemFor(sessionId);
    if (item) await this.view.reveal(item, { select: true, focus: true });
  }
}
