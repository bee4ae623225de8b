import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopbackPool, PoolFileRefusedError, readPoolSource } from '../../src/core/allocator/index';
import { startOriginWrite, stopOrigin, type OriginWrite } from '../helpers/originPool';
import { freePortOn, randomRangeStart } from '../helpers/ports';

const ORIGIN_NAME = 'harper-integration-test-loopback-pool.json';
/** Sleeps that take no real time, on a clock that moves only with them: a file's quiet interval passes at once. */
function fakeTime() {
  let t = Date.now();
  return { sleep: async (ms: number) => void (t += ms), now: () => t };
}

async function poolOn(poolFile: string, extra: Partial<ConstructorParameters<typeof LoopbackPool>[0]> = {}) {
  const count = 3;
  const start = randomRangeStart(count);
  const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${start + i}`);
  const probePorts = [await freePortOn(addresses)];
  const warnings: string[] = [];
  return { pool: new LoopbackPool({ start, count, probePorts, poolFile, warn: (m) => warnings.push(m), ...extra }), warnings, start };
}

let origin: OriginWrite | undefined;
afterEach(() => stopOrigin(origin));

describe('a pool file rewritten in place by the origin helper', () => {
  it('caught half-written, it is re-read, then refused — never renamed or rewritten, its lease kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-origin-'));
    const file = join(dir, ORIGIN_NAME);
    origin = await startOriginWrite(file, ['self', null, null]); // the file is half-written now
    const halfWritten = readFileSync(file, 'utf8');
    expect(() => JSON.parse(halfWritten)).toThrow();
    let rereads = 0;
    // The pool's pause between re-reads is where the origin finishes its write.
    const { pool } = await poolOn(file, { sleep: async () => void (rereads++ === 0 && (await origin!.finish())) });
    const error = await pool.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoolFileRefusedError);
    expect((error as Error).message).toContain(`pool file ${file} is in the origin helper's format`);
    expect((error as Error).message).toMatch(/give LoopbackPool its own poolFile \(for example \S+flake-doctor-loopback-pool\.json\)/);
    expect(readFileSync(file, 'utf8')).toBe(origin.content);
    expect(readdirSync(dir)).toEqual([basename(file)]); // no .corrupt- copy, lock released
    expect(rereads).toBeGreaterThan(0);
  });

  it('the view reads a half-written origin file as the origin file it is, not as corrupt', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fd-origin-')), ORIGIN_NAME);
    origin = await startOriginWrite(file, [null, 'self', null]);
    let rereads = 0;
    const source = await readPoolSource(file, 2, { sleep: async () => void (rereads++ === 0 && (await origin!.finish())) });
    expect(source.error).toBeNull();
    expect(source.content).toMatchObject({ format: 'origin', start: 2, count: 3 });
    expect(source.content!.slots[1]).toMatchObject({ state: 'leased', pid: origin.pid });
  });
});

describe('a pool file that is not provably ours is never destroyed', () => {
  const notOurs: [string, string][] = [
    ['empty', ''],
    ['not JSON', 'not json at all'],
    ['an origin-like array with a bad entry', '[1, "x"]'],
    ['another tool’s JSON', '{"format":"someone-else","slots":[]}'],
    ['another flake-doctor version', '{"format":"flake-doctor-loopback-pool","version":2,"start":2,"count":1,"slots":[null]}'],
  ];
  for (const [what, text] of notOurs) {
    it(`${what}: refused with the file named, left byte for byte as it was`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fd-notours-'));
      const file = join(dir, 'pool.json');
      writeFileSync(file, text);
      const { pool } = await poolOn(file, fakeTime());
      await expect(pool.acquire()).rejects.toThrow(new RegExp(`^pool file ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} .*left it untouched`));
      expect(readFileSync(file, 'utf8')).toBe(text);
      expect(readdirSync(dir)).toEqual(['pool.json']);
    });
  }

  it('a file still changing after every re-read is refused, not judged', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fd-notours-')), 'pool.json');
    writeFileSync(file, '[nul');
    let n = 0;
    // An in-place writer that never finishes: each pause leaves a different partial file.
    const { pool } = await poolOn(file, { sleep: async () => writeFileSync(file, `[${'null,'.repeat(++n)}`) });
    await expect(pool.acquire()).rejects.toThrow(/kept changing while it was read/);
    expect(readFileSync(file, 'utf8')).toBe(`[${'null,'.repeat(n)}`);
  });
});
