import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemoProvider } from '../../src/core/relay';
import { SessionsModel, type SessionsState } from '../../src/extension/sessions/sessionsModel';
import { readSessionsSettings } from '../../src/extension/sessions/sessionsSettings';

const settings = (values: Record<string, unknown> = {}) => readSessionsSettings((k) => values[k]).settings;

function until(model: SessionsModel, predicate: (s: SessionsState) => boolean, timeoutMs = 20_000): Promise<SessionsState> {
  if (predicate(model.state)) return Promise.resolve(model.state);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      model.off('change', check);
      reject(new Error(`state never matched; last: ${JSON.stringify(model.state).slice(0, 400)}`));
    }, timeoutMs);
    const check = (s: SessionsState) => {
      if (!predicate(s)) return;
      clearTimeout(timer);
      model.off('change', check);
      resolve(s);
    };
    model.on('change', check);
  });
}

describe('SessionsModel with a real relay', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
  });
  const track = <T extends { close(): Promise<unknown> }>(x: T): T => {
    cleanup.push(() => x.close());
    return x;
  };

  it('starts, lists sessions as they connect with their health, probes, breaks, restarts and stops', async () => {
    const model = new SessionsModel(settings());
    cleanup.push(() => model.dispose());
    expect(model.state.status).toBe('stopped');
    await model.start();
    expect(model.state.status).toBe('listening');
    const url = model.state.relay!.url;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);

    const a = track(await startDemoProvider(url, { answer: true }));
    const b = track(await startDemoProvider(url, { answer: true }));
    const state = await until(model, (s) => s.sessions.length === 2);
    expect(state.sessions.map((c) => [c.session.role, c.health])).toEqual([
      ['provider', 'ok'],
      ['provider', 'ok'],
    ]);
    const [first, second] = state.sessions.map((c) => c.session.id);

    expect(await model.probe(first!)).toBeGreaterThanOrEqual(0);
    const closed = new Promise<number>((r) => b.ws.once('close', (code) => r(code)));
    await model.closeSession(second!, 4000, 'operator');
    expect(await closed).toBe(4000);
    await until(model, (s) => s.sessions.length === 1);

    const restartedWith = new Promise<number>((r) => a.ws.once('close', (code) => r(code)));
    const port = model.state.relay!.port;
    await model.restart();
    expect(await restartedWith).toBe(1012);
    expect(model.state.status).toBe('listening');
    expect(model.state.relay!.port).toBe(port);
    expect(model.state.relay!.restarts).toBe(1);

    await model.stop();
    expect(model.state).toMatchObject({ status: 'stopped', relay: null, sessions: [] });
    expect(() => model.probe(first!)).toThrow(/not running/);
  });

  it('flags a provider that stops reading (missed PONGs) and clears it when the session goes', async () => {
    const model = new SessionsModel(settings({ heartbeatIntervalMs: 150, readTimeoutMs: 60_000 }));
    cleanup.push(() => model.dispose());
    await model.start();
    track(await startDemoProvider(model.state.relay!.url, { answer: false, stopReading: true }));
    const flagged = await until(model, (s) => s.sessions.some((c) => c.health === 'warning'));
    expect(flagged.sessions[0]!.issues.map((i) => i.kind)).toContain('missed-pongs');
    await model.closeSession(flagged.sessions[0]!.session.id, 4000, 'operator');
    await until(model, (s) => s.sessions.length === 0);
  });

  it('reports a port in use as a failed start, and starts once settings point elsewhere', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise((r) => blocker.close(r)));
    const taken = (blocker.address() as { port: number }).port;
    const model = new SessionsModel(settings({ port: taken }));
    cleanup.push(() => model.dispose());
    await expect(model.start()).rejects.toThrow(`port ${taken} on 127.0.0.1 is already in use`);
    expect(model.state.status).toBe('failed');
    expect(model.state.error).toContain('already in use');
    model.updateSettings(settings({ port: 0 }));
    await model.start();
    expect(model.state).toMatchObject({ status: 'listening', error: null });
  });

  it('emits change only when something changed, and marks settings that need a restart', async () => {
    const model = new SessionsModel(settings());
    cleanup.push(() => model.dispose());
    await model.start();
    let changes = 0;
    model.on('change', () => changes++);
    model.refresh();
    model.refresh();
    expect(changes).toBe(0);
    model.updateSettings(settings({ backlogWarningBytes: 2048 }));
    expect(model.state.settingsPending).toBe(false);
    model.updateSettings(settings({ writeTimeoutMs: 2000 }));
    expect(model.state.settingsPending).toBe(true);
    expect(changes).toBe(1);
  });

  it('serialises lifecycle actions clicked in a hurry', async () => {
    const model = new SessionsModel(settings());
    cleanup.push(() => model.dispose());
    const statuses: string[] = [];
    // Consecutive duplicates are other changes (the relay's own state) during one status.
    model.on('change', (s) => statuses.at(-1) !== s.status && statuses.push(s.status));
    await Promise.all([model.start(), model.start(), model.stop(), model.start()]);
    expect(model.state.status).toBe('listening');
    expect(statuses).toEqual(['starting', 'listening', 'stopping', 'stopped', 'starting', 'listening']);
  });
});
