import { EventEmitter } from 'node:events';
import { startRelay, type ClosedSessionRecord, type Relay, type RelayOptions, type RelaySnapshot, type SessionSnapshot } from '../../core/relay';
import { classifySession, type ClassifiedSession } from './sessionHealth';
import { sameRelayOptions, type SessionsSettings } from './sessionsSettings';
import { SerialQueue } from '../common/serialQueue';

/** The embedded relay's lifecycle as the view shows it (the relay itself knows only bound states). */
export type RelayStatus = 'stopped' | 'starting' | 'listening' | 'restarting' | 'stopping' | 'failed';

export interface SessionsState {
  status: RelayStatus;
  /** Why the last start failed (status `failed`), else null. */
  error: string | null;
  /** The running relay's snapshot; null while no relay is bound. */
  relay: RelaySnapshot | null;
  sessions: ClassifiedSession[];
  /** The settings changed since the running relay was started; they apply on the next start. */
  settingsPending: boolean;
}

export interface SessionsModelEvents {
  change: [SessionsState];
  sessionOpened: [SessionSnapshot];
  sessionClosed: [ClosedSessionRecord];
  sessionError: [{ id: string; message: string }];
}

export type RelayStarter = (options: RelayOptions) => Promise<Relay>;

function describeStartError(err: NodeJS.ErrnoException, options: RelayOptions): string {
  const where = `${options.host}:${options.port}`;
  if (err.code === 'EADDRINUSE')
    return `port ${options.port} on ${options.host} is already in use (set flakeDoctor.sessions.port to another port, or 0 for any free one)`;
  if (err.code === 'EADDRNOTAVAIL') return `${options.host} is not an address of this machine`;
  if (err.code === 'EACCES') return `not allowed to bind ${where}`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `host ${options.host} cannot be resolved`;
  return `cannot bind ${where}: ${err.message}`;
}

/**
 * Owns the embedded relay and turns its snapshot into what the view shows: lifecycle status
 * plus each session classified by health. Re-snapshots on the relay's (coalesced) `change`
 * events and on `refresh()`; emits `change` only when the state differs from the last one.
 * Lifecycle actions are serialised, so Start/Stop/Restart clicked in a hurry never overlap.
 * No `vscode` import: tested against a real relay.
 */
export class SessionsModel extends EventEmitter<SessionsModelEvents> {
  private relay: Relay | null = null;
  private status: RelayStatus = 'stopped';
  private error: string | null = null;
  private runningSettings: SessionsSettings | null = null;
  private current: SessionsState;
  private currentKey = '';
  private readonly lifecycle = new SerialQueue();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private settings: SessionsSettings,
    private readonly starter: RelayStarter = startRelay,
  ) {
    super();
    this.current = this.build();
    this.currentKey = JSON.stringify(this.current);
  }

  get state(): SessionsState {
    return this.current;
  }

  get currentSettings(): SessionsSettings {
    return this.settings;
  }

  get isRunning(): boolean {
    return this.relay !== null && this.status !== 'stopping';
  }

  session(id: string): ClassifiedSession | undefined {
    return this.current.sessions.find((s) => s.session.id === id);
  }

  /** Takes a new snapshot now; cheap (in-process), so the view calls it on its visible tick. */
  refresh(): SessionsState {
    const next = this.build();
    const key = JSON.stringify(next);
    this.current = next;
    if (key !== this.currentKey) {
      this.currentKey = key;
      this.emit('change', next);
    }
    return next;
  }

  /** Health thresholds apply at once; relay options only on the next start (see `settingsPending`). */
  updateSettings(settings: SessionsSettings): void {
    this.settings = settings;
    this.refresh();
  }

  start(): Promise<void> {
    return this.lifecycle.run(async () => {
      if (this.relay) return;
      const settings = this.settings;
      this.setStatus('starting', null);
      try {
        const relay = await this.starter({ ...settings.relay });
        this.attach(relay);
        this.runningSettings = settings;
        this.setStatus('listening', null);
      } catch (err) {
        this.setStatus('failed', describeStartError(err as NodeJS.ErrnoException, settings.relay));
        throw new Error(`the relay did not start: ${this.error}`, { cause: err });
      }
    });
  }

  stop(): Promise<void> {
    return this.lifecycle.run(async () => {
      const relay = this.relay;
      if (!relay) {
        if (this.status === 'failed') this.setStatus('stopped', null);
        return;
      }
      this.setStatus('stopping', null);
      try {
        await relay.close();
      } finally {
        this.detach();
        this.setStatus('stopped', null);
      }
    });
  }

  /** Close every session with 1012 "service restart" and bind the same port again. */
  restart(): Promise<void> {
    return this.lifecycle.run(async () => {
      const relay = this.requireRelay();
      this.setStatus('restarting', null);
      try {
        await relay.restart();
        this.setStatus('listening', null);
      } catch (err) {
        // The old port could not be bound again: the relay is down, say so rather than pretend.
        await relay.close().catch(() => undefined);
        this.detach();
        this.setStatus('failed', `restart could not bind ${relay.options.host}:${relay.port} again: ${(err as Error).message}`);
        throw err;
      }
    });
  }

  probe(id: string): Promise<number> {
    return this.requireRelay().probeSession(id);
  }

  async closeSession(id: string, code: number, reason: string): Promise<void> {
    await this.requireRelay().closeSession(id, code, reason);
    this.refresh();
  }

  private requireRelay(): Relay {
    if (!this.relay || this.status === 'stopping') throw new Error('the relay is not running');
    return this.relay;
  }

  private setStatus(status: RelayStatus, error: string | null): void {
    this.status = status;
    this.error = error;
    this.refresh();
  }

  private attach(relay: Relay): void {
    this.relay = relay;
    const onChange = () => {
      // The relay reports its own restart state; mirror it so the tree shows it while it lasts.
      const state = relay.snapshot().state;
      if (state === 'restarting' && this.status === 'listening') this.status = 'restarting';
      this.refresh();
    };
    const onOpened = (s: SessionSnapshot) => this.emit('sessionOpened', s);
    const onClosed = (r: ClosedSessionRecord) => this.emit('sessionClosed', r);
    const onError = (e: { id: string; message: string }) => this.emit('sessionError', e);
    relay.on('change', onChange);
    relay.on('sessionOpened', onOpened);
    relay.on('sessionClosed', onClosed);
    relay.on('sessionError', onError);
    this.unsubscribe.push(() => {
      relay.off('change', onChange);
      relay.off('sessionOpened', onOpened);
      relay.off('sessionClosed', onClosed);
      relay.off('sessionError', onError);
    });
  }

  private detach(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.relay = null;
    this.runningSettings = null;
  }

  private build(): SessionsState {
    const relay = this.relay && this.status !== 'stopped' ? this.relay.snapshot() : null;
    const thresholds = { backlogWarningBytes: this.settings.backlogWarningBytes };
    return {
      status: this.status,
      error: this.error,
      relay,
      sessions: (relay?.sessions ?? []).map((s) => classifySession(s, thresholds)),
      settingsPending: this.runningSettings !== null && !sameRelayOptions(this.runningSettings, this.settings),
    };
  }

  /** Stops the relay (fire and forget: VS Code disposes synchronously). */
  dispose(): Promise<void> {
    this.removeAllListeners();
    return this.stop().catch(() => undefined);
  }
}
