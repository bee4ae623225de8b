// Real processes publishing over the bridge: a stalled fetch, a relay, a lock waiter, a lease;
// actions routed back into the process that owns the thing; exit and kill -9 clean-up.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BridgeError, connectBridge, listBridgeProcesses, type BridgeClient, type BridgeSnapshot } from '../../src/core/bridge';
import { acquireLockFile } from '../../src/core/lock';
import { eventually, kill, publishedEntries, useBridgeTestbed, type Spawned } from './helpers';

const bed = useBridgeTestbed({ silentServer: true });

function start(steps: string[], env: NodeJS.ProcessEnv = {}): { dir: string; proc: Spawned } {
  const dir = bed.dir();
  return { dir, proc: bed.spawn(dir, steps, { env }) };
}

async function connected(dir: string, pid: number): Promise<BridgeClient> {
  await eventually(async () => ((await listBridgeProcesses({ dir })).some((e) => e.pid === pid) ? true : undefined), `pid ${pid} listed`);
  const client = await connectBridge(pid, { dir });
  bed.onCleanup(() => client.close());
  return client;
}

describe('a process started with the register module', () => {
  it('is listed with its command and publishes its fetch; Break aborts that fetch in that process', async () => {
    const { dir, proc } = start(['fetch', bed.silent.url], { FLAKE_DOCTOR_STALL_MS: '150' });
    const pid = proc.child.pid!;
    const entries = await eventually(async () => {
      const list = await listBridgeProcesses({ dir });
      return list.length > 0 ? list : undefined;
    }, 'the process listed');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ pid, threadId: 0 });
    expect(entries[0].command).toContain('scenario.cjs');
    expect(entries[0].socketPath.startsWith(dir)).toBe(true);

    const client = await connected(dir, pid);
    const call = await eventually(async () => (await client.snapshot()).httpCalls.find((c) => c.stalled), 'the fetch published as stalled');
    expect(call.method).toBe('GET');
    // The query carried a token: it never leaves the process.
    expect(call.url).toBe(bed.silent.url.replace(/\?.*$/, ''));
    expect(call.id).toMatch(/^http:/);

    const result = await client.act({ target: call.id, action: 'break' });
    expect(result.message).toContain('aborted');
    const exit = await proc.exited;
    expect(exit.code).toBe(3);
    expect(proc.output()).toContain('fetch aborted');
    expect(proc.output()).toContain('aborted through the Flake Doctor bridge');
    // It exited normally: its socket and sidecar went with it.
    expect(publishedEntries(dir)).toEqual([]);
    expect(await listBridgeProcesses({ dir })).toEqual([]);
  });

  it('pushes a new snapshot when a call goes stalled, without being asked', async () => {
    const dir = bed.dir();
    const barrier = join(dir, 'start-fetch');
    // The fetch starts only once the test has subscribed (a barrier file), so the first push
    // is known to come before the call exists, whatever the machine's load.
    const proc = bed.spawn(dir, ['fetch-after', barrier, bed.silent.url], { env: { FLAKE_DOCTOR_STALL_MS: '300' } });
    await proc.waitFor('ready');
    const client = await connected(dir, proc.child.pid!);
    const seen: BridgeSnapshot[] = [];
    const stalled = new Promise<BridgeSnapshot>((resolve) => {
      client.onDidChange((s) => {
        seen.push(s);
        if (s.httpCalls.some((c) => c.stalled)) resolve(s);
      });
    });
    await eventually(() => (seen.length > 0 ? true : undefined), 'the subscription snapshot');
    expect(seen[0].httpCalls).toEqual([]);
    writeFileSync(barrier, '');
    const snapshot = await stalled;
    expect(snapshot.httpCalls[0].stalled).toBe(true);
    expect(snapshot.seq).toBeGreaterThan(seen[0].seq);
  });

  it('publishes its relay and routes Probe and Break to the right session; Restart to the relay', async () => {
    const { dir, proc } = start(['relay']);
    await proc.waitFor('ready');
    const client = await connected(dir, proc.child.pid!);
    const snapshot = await client.snapshot();
    expect(snapshot.relays).toHaveLength(1);
    const relay = snapshot.relays[0];
    expect(relay.id).toMatch(/^relay-\d+$/);
    expect(relay.sessions).toHaveLength(1);
    const session = relay.sessions[0];
    expect(session).toMatchObject({ role: 'provider', relayId: relay.id });
    expect(session.id).toBe(`${relay.id}:${session.sessionId}`);

    const probe = await client.act({ target: session.id, action: 'probe' });
    expect(typeof probe.details?.rttMs).toBe('number');

    await client.act({ target: session.id, action: 'break' });
    await eventually(async () => ((await client.snapshot()).relays[0].sessions.length === 0 ? true : undefined), 'the session gone');

    const restart = await client.act({ target: relay.id, action: 'restart' });
    expect(restart.message).toContain('restarted');
    expect((await client.snapshot()).relays[0].restarts).toBe(1);
  });

  it('publishes a restart lock it waits for, then holds', async () => {
    const dir = bed.dir();
    const lockPath = join(dir, 'restart.lock');
    const mine = await acquireLockFile(lockPath);
    try {
      const proc = bed.spawn(dir, ['lock', lockPath]);
      await proc.waitFor('ready');
      const client = await connected(dir, proc.child.pid!);
      const waiting = await eventually(async () => (await client.snapshot()).locks[0], 'the waiter published');
      expect(waiting).toMatchObject({ lockPath, state: 'waiting' });
      await mine.release();
      await proc.waitFor('lock held');
      const held = (await client.snapshot()).locks[0];
      expect(held).toMatchObject({ lockPath, state: 'held' });
      expect(held.since).toBeGreaterThanOrEqual(waiting.since);
    } finally {
      await mine.release();
    }
  });

  it('publishes the loopback lease it holds', async () => {
    const dir = bed.dir();
    const poolFile = join(dir, 'pool.json');
    const proc = bed.spawn(dir, ['lease', poolFile]);
    await proc.waitFor('ready');
    const client = await connected(dir, proc.child.pid!);
    const { leases } = await client.snapshot();
    expect(leases).toHaveLength(1);
    expect(leases[0]).toMatchObject({ address: '127.0.0.200', poolFile, index: 0 });
  });

  it('answers an unknown target or an unsupported action with an error, not a hang', async () => {
    const { dir, proc } = start(['relay']);
    await proc.waitFor('ready');
    const client = await connected(dir, proc.child.pid!);
    const relayId = (await client.snapshot()).relays[0].id;
    await expect(client.act({ target: 'http:x999', action: 'break' })).rejects.toMatchObject({ code: 'unknown_target' });
    await expect(client.act({ target: 'relay-999:s1', action: 'probe' })).rejects.toMatchObject({ code: 'unknown_target' });
    await expect(client.act({ target: 'nonsense', action: 'probe' })).rejects.toMatchObject({ code: 'unknown_target' });
    await expect(client.act({ target: relayId, action: 'break' })).rejects.toMatchObject({ code: 'unsupported_action' });
    // The connection is still good after errors.
    expect((await client.snapshot()).process.pid).toBe(proc.child.pid);
  });
});

describe('processes that end', () => {
  it('kill -9 while a snapshot is asked for: the request settles with an error, the entry is cleaned up', async () => {
    const { dir, proc } = start(['relay', 'fetch', bed.silent.url]);
    await proc.waitFor('ready');
    const client = await connected(dir, proc.child.pid!);
    const closed = new Promise<void>((resolve) => client.onDidClose(() => resolve()));
    const requests = Array.from({ length: 20 }, () =>
      client.snapshot().then(
        () => 'answered',
        (err: BridgeError) => err.code,
      ),
    );
    proc.child.kill('SIGKILL');
    const outcomes = await Promise.all(requests);
    for (const o of outcomes) expect(['answered', 'closed']).toContain(o);
    await closed;
    await expect(client.snapshot()).rejects.toMatchObject({ code: 'closed' });
    await proc.exited;
    // The killed process could not remove its socket; discovery does.
    expect(publishedEntries(dir).length).toBeGreaterThan(0);
    expect(await listBridgeProcesses({ dir })).toEqual([]);
    expect(publishedEntries(dir)).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('ended by %s (Ctrl-C, kill): it leaves its socket files, the next listing removes them', async (signal) => {
    const dir = bed.dir();
    const proc = bed.spawn(dir, []);
    await proc.waitFor('ready');
    await eventually(async () => ((await listBridgeProcesses({ dir })).some((e) => e.pid === proc.child.pid) ? true : undefined), 'listed');
    proc.child.kill(signal);
    expect((await proc.exited).signal).toBe(signal);
    // A signal's default action ends the process without 'exit' handlers: the files stay.
    expect(publishedEntries(dir).length).toBeGreaterThan(0);
    expect(await listBridgeProcesses({ dir })).toEqual([]);
    expect(publishedEntries(dir)).toEqual([]);
  });

  it('20 processes at once are all listed and reachable, and all go when killed', async () => {
    const dir = bed.dir();
    const procs = Array.from({ length: 20 }, () => bed.spawn(dir, []));
    await Promise.all(procs.map((p) => p.waitFor('ready', 30_000)));
    const pids = procs.map((p) => p.child.pid!).sort((a, b) => a - b);
    const listed = await eventually(
      async () => {
        const list = await listBridgeProcesses({ dir });
        return list.length === 20 ? list : undefined;
      },
      '20 processes listed',
      20_000,
    );
    expect(listed.map((e) => e.pid)).toEqual(pids);
    const snapshots = await Promise.all(
      listed.map(async (e) => {
        const c = await connectBridge(e.socketPath);
        bed.onCleanup(() => c.close());
        return c.snapshot();
      }),
    );
    expect(snapshots.map((s) => s.process.pid).sort((a, b) => a - b)).toEqual(pids);
    await Promise.all(procs.map(kill));
    expect(await listBridgeProcesses({ dir })).toEqual([]);
    expect(publishedEntries(dir)).toEqual([]);
  });

  it('a process that idles on a long timer right after starting still publishes', async () => {
    // Regression: publishing was deferred to an unref'd immediate, which the event loop never
    // runs while it sleeps on a timer, so such a process was never listed.
    const dir = bed.dir();
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['--require', bed.scripts.register, '-e', 'setInterval(() => {}, 1 << 30)'], {
      env: { ...process.env, FLAKE_DOCTOR_BRIDGE_DIR: dir },
      stdio: 'ignore',
    });
    bed.onCleanup(() => child.kill('SIGKILL'));
    const entry = await eventually(async () => (await listBridgeProcesses({ dir })).find((e) => e.pid === child.pid), 'the idle process listed');
    expect(entry.threadId).toBe(0);
  });

  it('a subscribed client does not keep a process alive, nor change its output or exit code', async () => {
    const dir = bed.dir();
    const go = join(dir, 'go');
    const { spawn } = await import('node:child_process');
    // The child idles until the test has subscribed (a barrier file), then finishes its work;
    // it must then exit on its own although a client is still subscribed to it.
    const code = `const fs = require('fs'); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(go)})) { clearInterval(t); setTimeout(() => console.log('bye'), 20); } }, 10);`;
    const child = spawn(process.execPath, ['--require', bed.scripts.register, '-e', code], {
      env: { ...process.env, FLAKE_DOCTOR_BRIDGE_DIR: dir, FLAKE_DOCTOR_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    const client = await connected(dir, child.pid!);
    const first = new Promise<BridgeSnapshot>((resolve) => client.onDidChange(resolve));
    expect((await first).process.pid).toBe(child.pid);
    writeFileSync(go, '');
    expect(await exited).toBe(0);
    expect(out).toBe('bye\n');
    expect(err).toBe('');
    await new Promise<void>((resolve) => (client.closed ? resolve() : client.onDidClose(() => resolve())));
  });
});
