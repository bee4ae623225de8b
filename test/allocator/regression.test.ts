import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { findConflictingPort, isPortInUseOnAddress, LoopbackPool } from '../../src/core/allocator/index';
import { freePortOn, randomRangeStart } from '../helpers/ports';
import { startPlainListener, startReusePortListener, stopChild } from '../helpers/processes';

/**
 * The origin's regression: a lingering worker of the previous instance still holds the
 * HTTP port of 127.0.0.x while the operations port is free. The pool must skip that address.
 * Checked against the old behaviour by making findConflictingPort probe only the first port
 * (the ops port): both cases then lease the lingering address and fail.
 */
describe('a lingering holder on the HTTP port makes the pool skip that address', () => {
  let lingering: ChildProcess | undefined;
  afterEach(() => stopChild(lingering));

  for (const kind of ['plain listener', 'true SO_REUSEPORT listener'] as const) {
    it(`with a ${kind}`, async () => {
      const start = randomRangeStart(4);
      const first = `127.0.0.${start}`;
      const second = `127.0.0.${start + 1}`;
      const opsPort = await freePortOn([first, second]);
      const httpPort = await freePortOn([first, second]);
      lingering = kind === 'plain listener' ? await startPlainListener(first, [httpPort]) : await startReusePortListener(first, [httpPort]);

      expect(await isPortInUseOnAddress(opsPort, first)).toBe(false);
      expect(await isPortInUseOnAddress(httpPort, first)).toBe(true);
      expect(await findConflictingPort(first, [opsPort, httpPort, opsPort])).toBe(httpPort);

      const warnings: string[] = [];
      const pool = new LoopbackPool({
        start,
        count: 4,
        probePorts: [opsPort, httpPort],
        poolFile: join(mkdtempSync(join(tmpdir(), 'fd-pool-')), 'pool.json'),
        warn: (m) => warnings.push(m),
      });
      const lease = await pool.acquire();
      expect(lease.address).toBe(second);
      expect(warnings.join('\n')).toContain(`skipping ${first}: port ${httpPort} is still held by pid ${lingering.pid}`);
      // The skipped address was given back, not left leased.
      const content = await pool.read();
      expect(content.slots[0]).toBeNull();
      expect(content.slots[1]).toMatchObject({ state: 'leased', pid: process.pid });
      await lease.release();
      expect((await pool.read()).slots[1]).toBeNull();
    });
  }
});
