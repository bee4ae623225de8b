import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerScript } from '../helpers/workers';
import {
  LoopbackPool,
  osProcessFacts,
  parsePoolFile,
  PoolExhaustedError,
  resolvePoolConfig,
  serializePoolFile,
  type ProcessFacts,
} from '../../src/core/allocator/index';
import { freePortOn, randomRangeStart } from '../helpers/ports';
import { startPlainListener, stopChild } from '../helpers/processes';

const tempPoolFile = () => join(mkdtempSync(join(tmpdir(), 'fd-pool-')), 'pool.json');

async function newPool(extra: Partial<ConstructorParameters<typeof LoopbackPool>[0]> = {}) {
  const count = extra.count ?? 3;
  const start = extra.start ?? randomRangeStart(count);
  const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${start + i}`);
  const probePorts = extra.probePorts ?? [await freePortOn(addresses), await freePortOn(addresses)];
  const warnings: string[] = [];
  const pool = new LoopbackPool({ start, count, probePorts, poolFile: tempPoolFile(), warn: (m) => warnings.push(m), ...extra });
  return { pool, warnings, start, probePorts };
}

/** A pid that surely belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('LoopbackPool leases', () => {
  it('leases first-fit, records pid + start time + token, and releases token-safely', async () => {
    const { pool, start } = await newPool();
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect([a.address, b.address]).toEqual([`127.0.0.${start}`, `127.0.0.${start + 1}`]);
    const slot = (await pool.read()).slots[0];
    expect(slot).toEqual({ state: 'leased', pid: process.pid, startTime: osProcessFacts.startTime(process.pid), token: a.token, leasedAt: expect.any(Number) });
    // A stale token (from a lease someone else has since replaced) removes nothing.
    expect(await pool.releaseSlot(1, 'not-the-token')).toBe(false);
    expect((await pool.read()).slots[1]).toMatchObject({ token: b.token });
    await a.release();
    await a.release();
    expect((await pool.read()).slots[0]).toBeNull();
    expect((await pool.read()).slots[1]).toMatchObject({ token: b.token });
  });

  it('throws PoolExhaustedError naming the skipped conflicts when nothing is free', async () => {
    const { pool, start, probePorts } = await newPool({ count: 1 });
    const holder = await startPlainListener(`127.0.0.${start}`, [probePorts[1]!]);
    try {
      const error = await pool.acquire().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PoolExhaustedError);
      expect((error as Error).message).toContain(`127.0.0.${start}:${probePorts[1]} (pid ${holder.pid})`);
    } finally {
      await stopChild(holder);
    }
  });

  it('sweeps a dead holder under the lock and reuses its address', async () => {
    const { pool, start } = await newPool();
    const file = pool.poolFile;
    writeFileSync(
      file,
      serializePoolFile({ start, count: 3, slots: [{ state: 'leased', pid: deadPid(), startTime: null, token: 't', leasedAt: 1 }, null, null] }),
    );
    expect((await pool.acquire()).address).toBe(`127.0.0.${start}`);
  });

  it('does not take a reused pid for the holder (recorded start time differs)', async () => {
    const { pool, start } = await newPool();
    // A live pid (our own) recorded with another start time: the holder that leased it is gone.
    const reused = osProcessFacts.startTime(process.pid)! - 1;
    writeFileSync(
      pool.poolFile,
      serializePoolFile({ start, count: 3, slots: [{ state: 'leased', pid: process.pid, startTime: reused, token: 't', leasedAt: 1 }, null, null] }),
    );
    expect((await pool.acquire()).address).toBe(`127.0.0.${start}`);
    // Whereas the same pid with the right start time is a live holder and is kept.
    const live = osProcessFacts.startTime(process.pid);
    writeFileSync(
      pool.poolFile,
      serializePoolFile({ start, count: 3, slots: [{ state: 'leased', pid: process.pid, startTime: live, token: 't', leasedAt: 1 }, null, null] }),
    );
    expect((await pool.acquire()).address).toBe(`127.0.0.${start + 1}`);
  });

  it('keeps a holder that kill(pid, 0) answers with EPERM (alive, not ours)', async () => {
    const isRoot = process.getuid?.() === 0;
    if (isRoot) {
      // Real EPERM: a child running as nobody checks on us.
      const r = spawnSync(process.execPath, [workerScript('test/allocator/epermProbe.mts'), String(process.pid)], {
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
        cwd: join(__dirname, '../..'),
      });
      expect(JSON.parse(r.stdout)).toEqual({ code: 'EPERM', alive: true });
    }
    // And the pool keeps such a holder's lease. Facts are injected here because only the
    // kernel decides who gets EPERM; the line above proves the real answer when run as root.
    const eperm: ProcessFacts = {
      ...osProcessFacts,
      isAlive: (pid) => pid === 4_000_000 || osProcessFacts.isAlive(pid),
      startTime: (pid) => (pid === 4_000_000 ? 7 : osProcessFacts.startTime(pid)),
    };
    const { pool, start } = await newPool({ facts: eperm });
    writeFileSync(
      pool.poolFile,
      serializePoolFile({ start, count: 3, slots: [{ state: 'leased', pid: 4_000_000, startTime: 7, token: 't', leasedAt: 1 }, null, null] }),
    );
    expect((await pool.acquire()).address).toBe(`127.0.0.${start + 1}`);
  });

  it('reinitialises a damaged pool file of its own with a warning and keeps the corrupt copy', async () => {
    // Only a file that is provably ours (our format marker leads it); see foreignFile.test.ts
    // for everything else, which is refused and left alone.
    const damaged = [
      '{"format":"flake-doctor-loopback-pool","version":1,"start":',
      '{"format":"flake-doctor-loopback-pool","version":1,"start":2,"count":1,"slots":[7]}',
    ];
    for (const garbage of damaged) {
      // An unparsable file is judged once it has stayed unchanged for a quiet interval: the
      // injected clock moves only with the pool's sleeps, so nothing here waits for real.
      let t = Date.now();
      const { pool, warnings, start } = await newPool({ sleep: async (ms) => void (t += ms), now: () => t });
      writeFileSync(pool.poolFile, garbage);
      expect((await pool.acquire()).address).toBe(`127.0.0.${start}`);
      expect(warnings.join('\n')).toMatch(/is corrupt: .*kept the corrupt copy as .*\.corrupt-\d+/);
      const dir = join(pool.poolFile, '..');
      const kept = readdirSync(dir).filter((f) => f.includes('.corrupt-'));
      expect(kept).toHaveLength(1);
      expect(readFileSync(join(dir, kept[0]!), 'utf8')).toBe(garbage);
    }
  });

  it('refuses to rewrite an origin-format file or one made for another range', async () => {
    const { pool, start } = await newPool();
    writeFileSync(pool.poolFile, JSON.stringify([null, null, null]));
    await expect(pool.acquire()).rejects.toThrow(/origin helper's format/);
    writeFileSync(pool.poolFile, serializePoolFile({ start: start + 1, count: 3, slots: [null, null, null] }));
    await expect(pool.acquire()).rejects.toThrow(/covers 127\.0\.0\.\d+–127\.0\.0\.\d+ but this pool is configured for/);
    expect(existsSync(pool.poolFile)).toBe(true);
  });

  it('reads the origin format: an array of pid-or-null', () => {
    expect(parsePoolFile('[null, 1234, null]', 'f', 2)).toEqual({
      format: 'origin',
      start: 2,
      count: 3,
      slots: [null, { state: 'leased', pid: 1234, startTime: null, token: null, leasedAt: null }, null],
    });
  });

  it('teardown stops the instance, waits for its ports, and releases', async () => {
    const { pool, probePorts } = await newPool();
    const lease = await pool.acquire();
    const instance = spawn(process.execPath, ['-e', `require('net').createServer().listen(${probePorts[0]}, '${lease.address}', () => console.log('ready'))`], {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise((r) => instance.stdout!.once('data', r));
    const result = await lease.teardown({ pid: instance.pid!, graceMs: 2000, freeTimeoutMs: 5000 });
    expect(result.outcome).toBe('released');
    expect(result.stop).toMatchObject({ pid: instance.pid, result: 'terminated' });
    expect((await pool.read()).slots[lease.index]).toBeNull();
  });

  it('teardown parks an address whose ports do not free, and unparks it once they do', async () => {
    const { pool, probePorts, warnings } = await newPool({ count: 1 });
    const lease = await pool.acquire();
    const lingering = await startPlainListener(lease.address, [probePorts[0]!]);
    try {
      const result = await lease.teardown({ freeTimeoutMs: 300 });
      expect(result.outcome).toBe('parked');
      expect((await pool.read()).slots[0]).toMatchObject({ state: 'parked', pid: process.pid });
      expect(warnings.join('\n')).toContain(`parked ${lease.address}`);
      await expect(pool.acquire()).rejects.toBeInstanceOf(PoolExhaustedError);
    } finally {
      await stopChild(lingering);
    }
    expect((await pool.acquire()).address).toBe(lease.address);
  });
});

describe('configuration', () => {
  it('falls back with a warning on invalid environment overrides, never using them', () => {
    const warnings: string[] = [];
    const config = resolvePoolConfig(
      {},
      { FLAKE_DOCTOR_HTTP_PORT: 'abc', FLAKE_DOCTOR_OPS_PORT: '70000', FLAKE_DOCTOR_POOL_START: '-3', FLAKE_DOCTOR_POOL_COUNT: '1.5' },
      (m) => warnings.push(m),
    );
    expect(config).toEqual({ start: 2, count: 32, probePorts: [9925, 9926] });
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(/FLAKE_DOCTOR_POOL_START="-3"/);
  });

  it('uses valid overrides and de-duplicates probe ports', () => {
    const config = resolvePoolConfig({}, { FLAKE_DOCTOR_HTTP_PORT: '9925', FLAKE_DOCTOR_POOL_START: '10', FLAKE_DOCTOR_POOL_COUNT: '4' }, () => undefined);
    expect(config).toEqual({ start: 10, count: 4, probePorts: [9925] });
  });

  it('rejects invalid explicit options with a clear error', () => {
    expect(() => new LoopbackPool({ start: 0 })).toThrow(/start must be an integer from 1 to 254/);
    expect(() => new LoopbackPool({ start: 250, count: 10 })).toThrow(/must not pass 127\.0\.0\.254/);
    expect(() => new LoopbackPool({ probePorts: [] })).toThrow(/non-empty list of ports/);
    expect(() => new LoopbackPool({ probePorts: [80, 70000] })).toThrow(/70000/);
  });
});
