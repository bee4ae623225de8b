// The editor side of attached processes: rows from snapshots, the auto-attach preload, and the
// Break command's confirmation and trust gate, against real processes. The Host is a fake
// (recording what would be asked): no VS Code window exists in a unit test; the end-to-end
// test drives the real dialog in code-server.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BridgeSnapshot } from '../../src/core/bridge';
import { attachedCallRows, attachedSessionRows, type RowContext } from '../../src/extension/bridge/attachedRows';
import { shortScript, splitCommand } from '../../src/extension/bridge/attachedFormat';
import { bootloaderSource, nodeOptionsPath, writeBootloader } from '../../src/extension/bridge/autoAttach';
import { BridgeModel, type AttachedProcess } from '../../src/extension/bridge/bridgeModel';
import { readBridgeSettings } from '../../src/extension/bridge/bridgeSettings';
import { ATTACHED_ACTIONS, actOnAttached } from '../../src/extension/bridge/commands/actOnAttached';
import { lockWaiters, waitersSuffix } from '../../src/extension/bridge/lockWaiters';
import { fakeHost as makeFakeHost, type FakeHost } from '../helpers/fakeHost';
import { eventually, useBridgeTestbed, type Spawned } from '../bridge/helpers';

const ctx: RowContext = { now: 1_000_000, workspaceRoot: '/work/app', health: { backlogWarningBytes: 1024 * 1024 } };

function snapshotWith(partial: Partial<BridgeSnapshot>): BridgeSnapshot {
  return {
    schemaVersion: 1,
    seq: 1,
    takenAt: ctx.now,
    process: {
      pid: 42,
      threadId: 0,
      startedAt: ctx.now - 60_000,
      command: '/usr/bin/node /work/app/test/api.mjs',
      argv: ['/usr/bin/node', '/work/app/test/api.mjs'],
      cwd: '/work/app',
      nodeVersion: 'v20',
      via: 'register',
    },
    stallThresholdMs: 10_000,
    httpCalls: [],
    relays: [],
    listeners: [],
    leases: [],
    locks: [],
    ...partial,
  };
}

function proc(snapshot: BridgeSnapshot): AttachedProcess {
  return {
    key: '42',
    entry: { pid: 42, threadId: 0, command: snapshot.process.command, cwd: '/work/app', startedAt: snapshot.process.startedAt, socketPath: '/tmp/x/42-a.sock' },
    snapshot,
  };
}

describe('rows of attached processes', () => {
  it('one process row named by its script, with its stalled call first in words, and menus by state', () => {
    const s = snapshotWith({
      httpCalls: [
        {
          id: 'http:x1',
          method: 'GET',
          url: 'http://127.0.0.1:9/jobs',
          startedAt: ctx.now - 12_000,
          deadlineAt: null,
          stalled: true,
          phase: 'awaiting-headers',
          status: null,
        },
        {
          id: 'http:x2',
          method: 'POST',
          url: 'http://127.0.0.1:9/ok',
          startedAt: ctx.now - 200,
          deadlineAt: null,
          stalled: false,
          phase: 'awaiting-headers',
          status: null,
        },
      ],
    });
    const rows = attachedCallRows([proc(s)], ctx);
    expect(rows.map((r) => [r.label, r.parentId, r.contextValue])).toEqual([
      ['pid 42 · test/api.mjs', null, 'attachedProcess'],
      ['GET http://127.0.0.1:9/jobs', 'calls:42', 'attachedCall.stalled'],
      ['POST http://127.0.0.1:9/ok', 'calls:42', 'attachedCall.inflight'],
    ]);
    expect(rows[0].description).toBe('2 HTTP calls in flight · 1 stalled');
    expect(rows[1].description).toBe('STALLED · 10 s · no answer yet');
    expect(rows[1]).toMatchObject({ processKey: '42', target: 'http:x1', what: 'GET http://127.0.0.1:9/jobs' });
    // Ages in the row move in 5 s steps, so a hovered tooltip is not closed every second.
    expect(attachedCallRows([proc(s)], { ...ctx, now: ctx.now + 1000 })[1].description).toBe(rows[1].description);
  });

  it('WebSocket Sessions lists only processes that run a relay', () => {
    expect(attachedSessionRows([proc(snapshotWith({}))], ctx)).toEqual([]);
  });

  it('names runner workers after their runner and workspace scripts relative to it', () => {
    expect(shortScript(['/usr/bin/node', '/work/app/node_modules/tinypool/dist/entry/process.js'], '/work/app')).toBe('tinypool (process.js)');
    expect(shortScript(['/usr/bin/node', '--require', '/x/boot.cjs', '/work/app/test/a.mjs'], '/work/app')).toBe('test/a.mjs');
    expect(shortScript(['/usr/bin/node', '/elsewhere/b.mjs'], '/work/app')).toBe('b.mjs');
    expect(shortScript(['/usr/bin/node', '-e', 'x'], null)).toBe('node');
    expect(splitCommand("/usr/bin/node -e 'console.log(1)' a")).toEqual(['/usr/bin/node', '-e', 'console.log(1)', 'a']);
  });

  it('lock waiters: the attached processes waiting for that lock, longest first', () => {
    const s = snapshotWith({ locks: [{ id: 'lock-1', lockPath: '/work/app/fleet/restart.lock', state: 'waiting', since: ctx.now - 20_000 }] });
    const waiters = lockWaiters([proc(s)], '/work/app/fleet/restart.lock', () => 'pid 42 · test/api.mjs');
    expect(waiters).toEqual([{ pid: 42, name: 'pid 42 · test/api.mjs', command: s.process.command, since: ctx.now - 20_000 }]);
    expect(waitersSuffix(waiters, ctx.now)).toBe(' · 1 waiting (longest 20 s)');
    expect(lockWaiters([proc(s)], '/other.lock', () => '')).toEqual([]);
  });
});

describe('auto-attach', () => {
  it('settings: modes and the stall threshold are validated, bad values fall back with a message', () => {
    expect(readBridgeSettings(() => undefined)).toEqual({ settings: { autoAttach: 'smart', stallThresholdMs: 10_000 }, errors: [] });
    const bad = readBridgeSettings((k) => (k === 'autoAttach' ? 'sometimes' : 5));
    expect(bad.settings).toEqual({ autoAttach: 'smart', stallThresholdMs: 10_000 });
    expect(bad.errors[0]).toContain('flakeDoctor.bridge.autoAttach must be "off", "smart" or "always"');
    expect(bad.errors[1]).toContain('flakeDoctor.bridge.stallThresholdMs must be an integer from 100 to 3600000 ms');
  });

  it('quotes a preload path with spaces for NODE_OPTIONS, and node accepts it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd boot '));
    try {
      const boot = writeBootloader(dir, join(dir, 'absent-register.cjs'));
      expect(nodeOptionsPath(boot)).toBe(`"${boot}"`);
      const r = spawnSync(process.execPath, ['-e', "console.log('ran')"], {
        env: { ...process.env, NODE_OPTIONS: `--require ${nodeOptionsPath(boot)}` },
        encoding: 'utf8',
      });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('ran\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the bootloader does nothing (silently) once the extension is gone, so open terminals keep working', () => {
    expect(bootloaderSource('/gone/register.cjs')).toContain('catch');
    const dir = mkdtempSync(join(tmpdir(), 'fd-boot-'));
    try {
      const boot = writeBootloader(dir, '/gone/register.cjs');
      const r = spawnSync(process.execPath, ['--require', boot, '-e', "process.stdout.write('ok')"], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('ok');
      expect(r.stderr).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Break on a call in an attached process', () => {
  const bed = useBridgeTestbed({ silentServer: true });

  function fakeHost(trusted: boolean, answer: boolean): FakeHost {
    return makeFakeHost({ trusted, answers: [answer, answer, answer] });
  }
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, show: () => undefined };

  async function attachedStalledFetch(): Promise<{ model: BridgeModel; p: AttachedProcess; child: Spawned }> {
    const dir = bed.dir();
    const model = new BridgeModel({ dir });
    bed.onCleanup(() => model.dispose());
    await model.start();
    const child = bed.spawn(dir, ['fetch', bed.silent.url]);
    const p = await eventually(() => model.processes().find((x) => (x.snapshot?.httpCalls.length ?? 0) > 0), 'attached with its call');
    return { model, p, child };
  }

  it('asks first, naming the pid and the command line; Cancel leaves the call alone', async () => {
    const { model, p, child } = await attachedStalledFetch();
    const host = fakeHost(true, false);
    const call = p.snapshot!.httpCalls[0];
    await actOnAttached(ATTACHED_ACTIONS.breakCall, model, host, log, [p.key, call.id, `GET ${call.url}`]);
    expect(host.asked).toHaveLength(1);
    expect(host.asked[0].message).toBe(`Abort GET ${call.url} in pid ${child.child.pid}?`);
    expect(host.asked[0].detail).toContain(`pid ${child.child.pid}: `);
    expect(host.asked[0].detail).toContain('scenario.cjs');
    expect(child.child.exitCode).toBeNull();
    expect((await eventually(() => model.process(p.key)?.snapshot ?? undefined, 'snapshot')).httpCalls).toHaveLength(1);
  });

  it('is refused in an untrusted workspace without asking', async () => {
    const { model, p, child } = await attachedStalledFetch();
    const host = fakeHost(false, true);
    await actOnAttached(ATTACHED_ACTIONS.breakCall, model, host, log, [p.key, p.snapshot!.httpCalls[0].id]);
    expect(host.asked).toEqual([]);
    expect(host.said[0]).toContain('disabled in untrusted workspaces');
    expect(child.child.exitCode).toBeNull();
  });

  it('confirmed: aborts the call in that process, which sees the abort', async () => {
    const { model, p, child } = await attachedStalledFetch();
    const host = fakeHost(true, true);
    await actOnAttached(ATTACHED_ACTIONS.breakCall, model, host, log, [p.key, p.snapshot!.httpCalls[0].id]);
    expect((await child.exited).code).toBe(3);
    expect(child.output()).toContain('fetch aborted');
    expect(host.said.some((s) => s.startsWith('info: Flake Doctor: aborted http:'))).toBe(true);
  });
});
