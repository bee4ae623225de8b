// A pool file rewritten in place, cycle after cycle (truncate, write half, write the rest, as
// the origin's writeFile does), must never be judged from a read caught mid-write — not even
// when two such reads in different cycles are identical. The writer's cycles are forced at the
// readers' pauses (injected sleep), on a clock that moves only with those pauses; each write
// stamps the file's mtime with that clock, as the kernel would stamp it with the real one.
import { mkdtempSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLoopbackSnapshot, LoopbackPool, osProcessFacts, POOL_QUIET_MS, readPoolSource, resolvePoolConfig } from '../../src/core/allocator/index';
import { loopbackProblems } from '../../src/core/doctor/loopbackProblems';
import { freePortOn, randomRangeStart } from '../helpers/ports';

const tempFile = (name = 'harper-integration-test-loopback-pool.json') => join(mkdtempSync(join(tmpdir(), 'fd-rewrite-')), name);

/** A file, a clock and a writer whose steps run when the reader pauses. */
function rewrittenFile(content: string) {
  const file = tempFile();
  let t = Date.now();
  const write = (text: string) => {
    writeFileSync(file, text);
    utimesSync(file, t / 1000, t / 1000);
  };
  const half = content.slice(0, Math.floor(content.length / 2));
  return {
    file,
    half,
    write,
    /** An in-place cycle that ends truncated (empty) or after the first half. */
    cycleEndingIn: (end: '' | 'half') => {
      write(content);
      truncateSync(file, 0);
      if (end === 'half') writeFileSync(file, half);
      utimesSync(file, t / 1000, t / 1000);
    },
    now: () => t,
    advance: (ms: number) => void (t += ms),
  };
}

const ORIGIN = JSON.stringify([null, process.pid, null]);

describe('a pool file caught mid-write in several write cycles', () => {
  for (const end of ['', 'half'] as const) {
    const what = end === '' ? 'empty' : 'the same half';
    it(`${what} in two cycles is read again, not judged: the view gets the complete file`, async () => {
      const f = rewrittenFile(ORIGIN);
      f.write(end === '' ? '' : f.half); // the reader's first look: mid-write
      let pauses = 0;
      const sleep = async (ms: number) => {
        f.advance(ms);
        // Pause 1: the writer completes a cycle and is caught mid-write again, identically.
        // Pause 2: it completes one more and rests.
        if (++pauses === 1) f.cycleEndingIn(end);
        else if (pauses === 2) f.write(ORIGIN);
      };
      const source = await readPoolSource(f.file, 2, { sleep, now: f.now });
      expect(source.error).toBeNull();
      expect(source.content?.slots[1]).toMatchObject({ state: 'leased', pid: process.pid });
      expect(pauses).toBe(2);
    });
  }

  it('the pool honours the lease in such a file rather than losing it as unreadable', async () => {
    const count = 3;
    const start = randomRangeStart(count);
    const probePorts = [await freePortOn(Array.from({ length: count }, (_, i) => `127.0.0.${start + i}`))];
    const f = rewrittenFile(JSON.stringify([process.pid, null, null])); // the origin holds its index 0 = our first address
    f.write('');
    let pauses = 0;
    const warnings: string[] = [];
    const pool = new LoopbackPool({
      start,
      count,
      probePorts,
      poolFile: tempFile('ours.json'),
      foreignPoolFiles: [f.file],
      honourOriginDefaultFile: false,
      originStart: start,
      warn: (m) => warnings.push(m),
      now: f.now,
      sleep: async (ms) => {
        f.advance(ms);
        if (++pauses === 1) f.cycleEndingIn('');
        else if (pauses === 2) f.write(JSON.stringify([process.pid, null, null]));
      },
    });
    const lease = await pool.acquire();
    expect(lease.address).toBe(`127.0.0.${start + 1}`);
    expect(warnings).toEqual([]);
    await lease.release();
  });

  it('a file caught mid-write at every read is "being rewritten": no error, no problem', async () => {
    const f = rewrittenFile(ORIGIN);
    f.write('');
    let pauses = 0;
    const sleep = async (ms: number) => {
      f.advance(ms);
      f.cycleEndingIn(++pauses % 2 ? 'half' : '');
    };
    const source = await readPoolSource(f.file, 2, { sleep, now: f.now });
    expect(source).toMatchObject({ error: null, content: null, rewriting: true });
    const snapshot = buildLoopbackSnapshot({
      config: resolvePoolConfig({ start: 2, count: 3 }, {}, () => undefined),
      pools: [{ ...source, role: 'foreign' }],
      listeners: [],
      scanError: null,
      facts: osProcessFacts,
      now: f.now(),
    });
    expect(snapshot.pools).toEqual([{ file: f.file, role: 'foreign', format: null, error: null, rewriting: true }]);
    expect(loopbackProblems(snapshot)).toEqual([]);
  });
});

describe('a foreign pool file its owner rewrites at every read', () => {
  it('the pool leases without waiting on it for ever, and warns once that its leases are unknown this time', async () => {
    const count = 3;
    const start = randomRangeStart(count);
    const probePorts = [await freePortOn(Array.from({ length: count }, (_, i) => `127.0.0.${start + i}`))];
    const f = rewrittenFile(JSON.stringify([process.pid, null, null]));
    f.write('');
    let pauses = 0;
    const warnings: string[] = [];
    const pool = new LoopbackPool({
      start,
      count,
      probePorts,
      poolFile: tempFile('ours.json'),
      foreignPoolFiles: [f.file],
      honourOriginDefaultFile: false,
      originStart: start,
      warn: (m) => warnings.push(m),
      now: f.now,
      sleep: async (ms) => {
        f.advance(ms);
        f.cycleEndingIn(++pauses % 2 ? 'half' : '');
      },
    });
    const first = await pool.acquire();
    const second = await pool.acquire();
    expect(warnings).toEqual([`cannot honour the leases of foreign pool file ${f.file} this time: its owner was rewriting it in place at every read`]);
    await first.release();
    await second.release();
  });
});

describe('a truly corrupt pool file is still reported', () => {
  it('just written and then left alone: once it has stayed unchanged for the quiet interval, within a second', async () => {
    const f = rewrittenFile(ORIGIN);
    f.write('[1, "x"');
    const startedAt = f.now();
    const source = await readPoolSource(f.file, 2, { sleep: async (ms) => f.advance(ms), now: f.now });
    expect(source.error).toMatch(/is corrupt: not JSON/);
    expect(f.now() - startedAt).toBeGreaterThanOrEqual(POOL_QUIET_MS);
    expect(f.now() - startedAt).toBeLessThan(1000);
  });

  it('last modified long ago: at once, without a second read', async () => {
    const f = rewrittenFile(ORIGIN);
    f.write('');
    utimesSync(f.file, (f.now() - 60_000) / 1000, (f.now() - 60_000) / 1000);
    let pauses = 0;
    const source = await readPoolSource(f.file, 2, { sleep: async () => void pauses++, now: f.now });
    expect(source.error).toMatch(/the file is empty/);
    expect(pauses).toBe(0);
  });
});
