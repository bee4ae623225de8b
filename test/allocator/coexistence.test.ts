import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inspectLoopback, LoopbackPool, osProcessFacts, PoolExhaustedError, serializePoolFile } from '../../src/core/allocator/index';
import { startOriginWrite, stopOrigin, type OriginWrite } from '../helpers/originPool';
import { freePortOn, randomRangeStart } from '../helpers/ports';

const ORIGIN_NAME = 'harper-integration-test-loopback-pool.json';
const noWait = async () => undefined;
const tempDir = () => mkdtempSync(join(tmpdir(), 'fd-coexist-'));

async function range(count = 3) {
  const start = randomRangeStart(count);
  const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${start + i}`);
  return { start, count, probePorts: [await freePortOn(addresses)] };
}

/** Our pool (ours.json in `dir`) beside one origin-format file, quiet, the origin's default file not consulted. */
function beside(
  r: Awaited<ReturnType<typeof range>>,
  dir: string,
  originFile: string,
  extra: { originStart: number; sleep?: () => Promise<void> },
): LoopbackPool {
  return new LoopbackPool({
    ...r,
    poolFile: join(dir, 'ours.json'),
    foreignPoolFiles: [originFile],
    honourOriginDefaultFile: false,
    warn: () => undefined,
    sleep: noWait,
    ...extra,
  });
}

let origin: OriginWrite | undefined;
afterEach(() => stopOrigin(origin));

describe('LoopbackPool honours the leases of foreign pool files', () => {
  it('never leases an address the origin helper holds, even when its file is caught mid-write', async () => {
    const dir = tempDir();
    const originFile = join(dir, ORIGIN_NAME);
    const r = await range();
    // The origin (a live process) leases its index 0, which originStart maps onto our first address.
    origin = await startOriginWrite(originFile, ['self', null, null]);
    let rereads = 0;
    const pool = beside(r, dir, originFile, { originStart: r.start, sleep: async () => void (rereads++ === 0 && (await origin!.finish())) });
    const lease = await pool.acquire();
    expect(lease.address).toBe(`127.0.0.${r.start + 1}`);
    expect(rereads).toBeGreaterThan(0);
    await lease.release();
  });

  it('honours a foreign file in our own format (another Flake Doctor pool) and leases around it', async () => {
    const dir = tempDir();
    const r = await range();
    const other = join(dir, 'other.json');
    const live = { state: 'leased' as const, pid: process.pid, startTime: osProcessFacts.startTime(process.pid), token: 'theirs', leasedAt: 1 };
    writeFileSync(other, serializePoolFile({ start: r.start, count: 3, slots: [live, { state: 'parked', parkedAt: 1, reason: 'ports', pid: null }, null] }));
    const pool = new LoopbackPool({
      ...r,
      poolFile: join(dir, 'ours.json'),
      foreignPoolFiles: [other],
      honourOriginDefaultFile: false,
      warn: () => undefined,
      sleep: noWait,
    });
    const lease = await pool.acquire();
    expect(lease.address).toBe(`127.0.0.${r.start + 2}`);
    // Nothing left: the error names what the foreign file holds.
    const error = await pool.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoolExhaustedError);
    expect((error as Error).message).toContain(
      `leased in foreign pool files: 127.0.0.${r.start} (pid ${process.pid}) in ${other}, 127.0.0.${r.start + 1} (parked) in ${other}`,
    );
    await lease.release();
  });

  it("a dead holder's lease in a foreign file is not honoured", async () => {
    const dir = tempDir();
    const r = await range();
    const originFile = join(dir, ORIGIN_NAME);
    origin = await startOriginWrite(originFile, ['self', null, null]);
    await origin.finish();
    await stopOrigin(origin); // the holder is gone; its lease stays in the file
    const pool = beside(r, dir, originFile, { originStart: r.start });
    expect((await pool.acquire()).address).toBe(`127.0.0.${r.start}`);
  });

  it("honours the origin helper's default file (in the temp directory) by default, and not when told not to", async () => {
    const tmp = tempDir();
    const r = await range();
    origin = await startOriginWrite(join(tmp, ORIGIN_NAME), ['self', null, null]);
    await origin.finish();
    const options = { ...r, originStart: r.start, env: { TMPDIR: tmp }, warn: () => undefined, sleep: noWait };
    const pool = new LoopbackPool({ ...options, poolFile: join(tmp, 'ours.json') });
    expect(pool.foreignPoolFiles).toEqual([join(tmp, ORIGIN_NAME)]);
    expect((await pool.acquire()).address).toBe(`127.0.0.${r.start + 1}`);
    const optedOut = new LoopbackPool({ ...options, poolFile: join(tmp, 'ours2.json'), honourOriginDefaultFile: false });
    expect(optedOut.foreignPoolFiles).toEqual([]);
    expect((await optedOut.acquire()).address).toBe(`127.0.0.${r.start}`);
  });

  it('originStart says where an origin file’s index 0 lies (older origins: 127.0.0.1)', async () => {
    const dir = tempDir();
    const r = await range();
    const originFile = join(dir, ORIGIN_NAME);
    origin = await startOriginWrite(originFile, [null, 'self', null]);
    await origin.finish();
    // With index 0 at start - 1, the origin's index 1 is our first address.
    const pool = beside(r, dir, originFile, { originStart: r.start - 1 });
    expect((await pool.acquire()).address).toBe(`127.0.0.${r.start + 1}`);
    expect(() => new LoopbackPool({ ...r, originStart: 0 })).toThrow(/originStart: must be an integer from 1 to 254/);
    expect(() => new LoopbackPool({ ...r, poolFile: originFile, foreignPoolFiles: [originFile] })).toThrow(/cannot also be one of its foreignPoolFiles/);
  });
});

describe('the view shows foreign pool files with their holders', () => {
  it('marks foreign and origin-format slots, and flags a double lease as a conflict', async () => {
    const dir = tempDir();
    const r = await range();
    const originFile = join(dir, ORIGIN_NAME);
    const own = join(dir, 'ours.json');
    origin = await startOriginWrite(originFile, ['self', 'self', null]);
    await origin.finish();
    const live = { state: 'leased' as const, pid: process.pid, startTime: osProcessFacts.startTime(process.pid), token: 't', leasedAt: 1 };
    // Our own pool also leased the origin's second address: a double lease.
    writeFileSync(own, serializePoolFile({ start: r.start, count: 3, slots: [null, live, null] }));
    const snapshot = await inspectLoopback({ config: r, poolFiles: [own], foreignPoolFiles: [originFile], originStart: r.start, scan: async () => [] });
    const [first, second] = snapshot.addresses;
    expect(first).toMatchObject({
      state: 'leased',
      poolFile: originFile,
      foreignPool: true,
      poolFormat: 'origin',
      originStart: r.start,
      holder: { pid: origin.pid, alive: true },
    });
    expect(second).toMatchObject({ state: 'conflict', poolFile: own, foreignPool: false });
    expect(second!.problems[0]).toContain(`double lease: also leased by pid ${origin.pid}`);
    expect(snapshot.pools).toEqual([
      { file: own, role: 'own', format: 'flake-doctor', error: null },
      { file: originFile, role: 'foreign', format: 'origin', error: null },
    ]);
  });
});
