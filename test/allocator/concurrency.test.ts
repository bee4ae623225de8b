import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workerScript } from '../helpers/workers';
import { afterEach, describe, expect, it } from 'vitest';
import { freePortOn, randomRangeStart } from '../helpers/ports';

interface Interval {
  pid: number;
  address: string;
  from: number;
  to: number;
}

// Killed after each test, so a failing or timed-out run never leaves workers spinning.
const children = new Set<ChildProcess>();

function runWorker(args: string[]): Promise<Interval[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [workerScript('test/allocator/leaseWorker.mts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`worker exited ${code}: ${err}`));
      resolve(
        out
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Interval),
      );
    });
  });
}

afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

describe('8 processes leasing concurrently', () => {
  it('never hold the same address at the same time (25 leases each)', async () => {
    // Fewer addresses than processes, so leases must contend and be reused.
    const count = 4;
    const start = randomRangeStart(count);
    const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${start + i}`);
    const opsPort = await freePortOn(addresses);
    const httpPort = await freePortOn(addresses);
    const poolFile = join(mkdtempSync(join(tmpdir(), 'fd-conc-')), 'pool.json');
    const results = await Promise.all(
      Array.from({ length: 8 }, () => runWorker([poolFile, String(start), String(count), '25', String(opsPort), String(httpPort)])),
    );
    const intervals = results.flat();
    expect(intervals).toHaveLength(200);
    const byAddress = new Map<string, Interval[]>();
    for (const i of intervals) byAddress.set(i.address, [...(byAddress.get(i.address) ?? []), i]);
    let overlaps = 0;
    for (const list of byAddress.values()) {
      list.sort((a, b) => a.from - b.from);
      for (let k = 1; k < list.length; k++) if (list[k]!.from < list[k - 1]!.to) overlaps++;
    }
    expect(overlaps).toBe(0);
    expect(byAddress.size).toBeGreaterThan(1);
  }, 120_000);
});
