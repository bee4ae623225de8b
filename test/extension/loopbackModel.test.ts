import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializePoolFile, type LoopbackSnapshot } from '../../src/core/allocator';
import { LoopbackModel } from '../../src/extension/loopback/loopbackModel';

describe('LoopbackModel (real files, chokidar)', () => {
  it('emits a new snapshot when the pool file changes, and none when nothing changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-model-'));
    const poolFile = join(dir, 'pool.json');
    // No socket scan: only the pool file drives this test.
    const model = new LoopbackModel(
      {
        config: { start: 2, count: 2, probePorts: [9925] },
        poolFiles: [poolFile],
        foreignPoolFiles: [],
        originStart: 2,
        minScanIntervalMs: 1000,
        breakGraceMs: 0,
        connectProbe: false,
      },
      async () => [],
    );
    const seen: LoopbackSnapshot[] = [];
    model.on('change', (s) => seen.push(s));
    try {
      await model.refresh();
      expect(seen).toHaveLength(1);
      await model.refresh();
      expect(seen).toHaveLength(1); // unchanged: no event
      await new Promise((r) => setTimeout(r, 300)); // let chokidar finish its initial scan
      writeFileSync(
        poolFile,
        serializePoolFile({ start: 2, count: 2, slots: [{ state: 'leased', pid: process.pid, startTime: null, token: 't', leasedAt: 1 }, null] }),
      );
      await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(2);
      expect(seen[1]!.addresses[0]).toMatchObject({ address: '127.0.0.2', state: 'leased', holder: { pid: process.pid, alive: true } });
    } finally {
      model.dispose();
    }
  });
});
