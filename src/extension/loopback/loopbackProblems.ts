import { addressesWithProblems, type LoopbackSnapshot } from '../../core/allocator';
import type { Problem } from '../problems/problemCenter';
import { BREAK_ADDRESS_COMMAND } from './commands/breakAddress';
import { PROBE_ADDRESS_COMMAND } from './commands/probeAddress';
import { RELEASE_LEASE_COMMAND } from './commands/releaseLease';

/** Status-bar problems for the loopback snapshot: conflicts and dead holders, with their fixes. */
export function loopbackProblems(snapshot: LoopbackSnapshot, reveal: (address: string) => Promise<void>): Problem[] {
  const problems: Problem[] = addressesWithProblems(snapshot).map((a) => ({
    id: `loopback:${a.address}:${a.state}`,
    source: 'loopback',
    label: `${a.address}: ${a.state === 'conflict' ? 'conflict' : 'lease holder dead'}`,
    detail: a.problems.join('; '),
    reveal: () => reveal(a.address),
    fixes:
      a.state === 'conflict'
        ? [
            { label: '$(debug-stop) Break (stop the holders)…', command: BREAK_ADDRESS_COMMAND, args: [a.address] },
            { label: '$(pulse) Probe', command: PROBE_ADDRESS_COMMAND, args: [a.address] },
          ]
        : [{ label: '$(unlock) Release lease…', command: RELEASE_LEASE_COMMAND, args: [a.address] }],
  }));
  for (const pool of snapshot.pools) {
    if (pool.error) problems.push({ id: `loopback:pool:${pool.file}`, source: 'loopback', label: `Pool file unreadable`, detail: pool.error, fixes: [] });
  }
  return problems;
}
