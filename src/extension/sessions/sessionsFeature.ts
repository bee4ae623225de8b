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
const SETTINGS_SECTION = 'flakeDoctor.sessions';

/** The "WebSocket Sessions" view: the embedded relay, its sessions and their health. */
export class SessionsFeature extends Disposable {
  private readonly model: SessionsModel;
  private readonly tree: SessionsTreeProvider;
  private readonly view: FeatureView<SessionsNode>;
  /** For the view's title buttons and welcome text: the relay's `RelayStatus`. */
  private readonly statusKey = new ContextKey<RelayStatus>('flakeDoctor.sessions.relayStatus');
  /** The welcome text must not tell users to turn on a setting that is already on. */
  private readonly autostartKey = new ContextKey<boolean>('flakeDoctor.sessions.autostart');

  constructor(
    private readonly host: Host,
    private readonly log: Log,
    problems: ProblemCenter,
    bridge?: BridgeFeature,
    private readonly details?: DetailsProvider,
  ) {
    super();
    const settings = this.readSettings();
    this.autostartKey.set(settings.autostart);
    this.model = new SessionsModel(settings);
    this._register({ dispose: () => void this.model.dispose() });
    this.tree = this._register(new SessionsTreeProvider(this.model, bridge?.sessionsSection));
    this.view = this._register(
      new FeatureView({ viewId: SESSIONS_VIEW_ID, tree: this.tree, source: 'sessions', problemNoun: 'WebSocket session problem' }, problems),
    );

    if (details) {
      // A session's document renders what its tooltip shows, redrawn when the relay reports a change.
      this._register(
        details.register(
          'session',
          (id, now) => {
            const c = this.model.session(id);
            if (!c) return null;
            const title = `${c.session.id} (${c.session.role}, ${remoteOf(c.session)})`;
            return { name: c.session.id, title, view: 'WebSocket Sessions', markdown: sessionTooltipMarkdown(c, now), raw: c.session };
          },
          [eventOf(this.model, 'change')],
        ),
      );
      this.view.alsoSeenWhile(() => details.isVisible('session'), details.onDidChangeVisible);
    }
    this.model.on('change', (state) => this.render(state));
    this.model.on('sessionOpened', (s) => log.info(`Session ${s.id} opened: ${s.role} from ${remoteOf(s)}`));
    this.model.on('sessionClosed', (r) => log.info(`Session ${r.id} (${r.role}, ${remoteOf(r)}) closed: ${r.code}${r.reason ? ` "${r.reason}"` : ''}`));
    this.model.on('sessionError', (e) => log.warn(`Session ${e.id}: ${e.message}`));

    // Relay events redraw the tree whenever it changes; the tick keeps ages (and queue depths,
    // which the relay does not announce) current.
    this.view.tickWhileVisible(
      async () => {
        this.model.refresh();
        this.tree.render(Date.now());
      },
      {
        wanted: () => this.model.state.relay !== null,
        maxIntervalMs: 5 * VISIBLE_TICK_MS,
        onError: (err) => log.warn(`Sessions refresh failed: ${err.message}`),
      },
    );
    if (bridge) this._register(bridge.attachView('sessions', this.view.treeView, SESSIONS_VIEW_ID));
    this.render(this.model.state);

    this._register(onSettingsChange(SETTINGS_SECTION, () => this.settingsChanged()));
    this._register(registerSafeCommands(this.commands(), host, log));
    if (settings.autostart) void startRelayCommand(this.model, host, log, true);
  }

  private commands(): Record<string, CommandHandler> {
    const { model, host, log } = this;
    return {
      [START_RELAY_COMMAND]: () => startRelayCommand(model, host, log),
      [STOP_RELAY_COMMAND]: () => stopRelayCommand(model, host, log),
      [RESTART_RELAY_COMMAND]: () => restartRelayCommand(model, host, log),
      [PROBE_SESSION_COMMAND]: (arg) => probeSessionCommand(model, host, log, orSelection(this.view, arg)),
      [BREAK_SESSION_COMMAND]: (arg, code, reason) => breakSessionCommand(model, host, log, orSelection(this.view, arg), code, reason),
      [SHOW_SESSION_DETAILS_COMMAND]: async (arg, mode) => {
        const id = subjectOf(orSelection(this.view, arg));
        if (id && model.session(id)) await this.details?.open({ kind: 'session', subject: id }, openHow(mode));
      },
      [COPY_URL_COMMAND]: () => copyUrlCommand(model, host),
    };
  }

  private readSettings(): SessionsSettings {
    // Exposing the relay beyond loopback is the user's decision, never a workspace's.
    return readSettingsSection(SETTINGS_SECTION, readSessionsSettings, this.host, this.log, ['allowNonLoopback']);
  }

  private settingsChanged(): void {
    const before = this.model.currentSettings;
    const settings = this.readSettings();
    this.autostartKey.set(settings.autostart);
    this.model.updateSettings(settings);
    if (settings.autostart && !before.autostart && !this.model.isRunning) void startRelayCommand(this.model, this.host, this.log, true);
    if (this.model.state.settingsPending)
      this.log.info('WebSocket relay settings changed: they apply when the relay is next started (Stop Relay, then Start Relay)');
  }

  private render(state: SessionsState): void {
    this.view.showProblems(sessionsProblems(state, (id) => this.view.reveal(id)));
    this.view.describe(state.relay ? state.relay.url.replace(/^ws:\/\//, '') : state.status === 'failed' ? 'not running' : undefined);
    const notes: string[] = [];
    if (state.error) notes.push(`The relay is not running: ${state.error}.`);
    if (state.settingsPending) notes.push('Settings changed since the relay started: stop and start it to apply them.');
    this.view.showNotes(notes);
    this.statusKey.set(state.status);
    this.view.updateTicker();
  }
}
