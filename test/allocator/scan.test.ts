import { describe, expect, it } from 'vitest';
import { inspectLoopback, scanLoopbackListeners } from '../../src/core/allocator/index';
import { freePortOn, randomRangeStart } from '../helpers/ports';
import { startPlainListener, startReusePortListener, stopChild } from '../helpers/processes';

describe('scanLoopbackListeners on this machine', () => {
  it('finds real loopback and wildcard listeners with pid and command line', async () => {
    const address = `127.0.0.${randomRangeStart(1)}`;
    const port = await freePortOn([address, '0.0.0.0']);
    const wildPort = await freePortOn(['0.0.0.0']);
    const specific = await startReusePortListener(address, [port]);
    const wildcard = await startPlainListener('0.0.0.0', [wildPort]);
    try {
      const listeners = await scanLoopbackListeners();
      expect(listeners).toContainEqual({ address, port, pid: specific.pid, command: expect.stringContaining('reuseport_listener.py'), wildcard: false });
      expect(listeners).toContainEqual({ address: '0.0.0.0', port: wildPort, pid: wildcard.pid, command: expect.stringContaining('node'), wildcard: true });
      // The second scan answers from the inode cache and must agree.
      expect((await scanLoopbackListeners()).filter((l) => l.port === port)).toEqual(listeners.filter((l) => l.port === port));
    } finally {
      await stopChild(specific);
      await stopChild(wildcard);
    }
    expect((await scanLoopbackListeners()).some((l) => l.port === port || l.port === wildPort)).toBe(false);
  });

  it('reports an SO_REUSEPORT wildcard listener on a probe port as a conflict on every pool address', async () => {
    const start = randomRangeStart(3);
    const addresses = [0, 1, 2].map((i) => `127.0.0.${start + i}`);
    const probe = await freePortOn(['0.0.0.0', ...addresses]);
    const wildcard = await startReusePortListener('0.0.0.0', [probe]);
    try {
      const snapshot = await inspectLoopback({ config: { start, count: 3, probePorts: [probe] }, poolFiles: [] });
      const pool = snapshot.addresses.filter((a) => a.poolIndex !== null);
      expect(pool.map((a) => a.state)).toEqual(['conflict', 'conflict', 'conflict']);
      expect(pool[0]!.ports).toContainEqual(expect.objectContaining({ port: probe, pid: wildcard.pid, wildcard: true }));
    } finally {
      await stopChild(wildcard);
    }
  });
});
