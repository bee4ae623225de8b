// Problems of the Loopback Addresses view, from the allocator's snapshot: a probe port held by
// a process that is not the lease holder (the lingering-worker case), a dead lease holder, a
// parked address, a pool file that cannot be read. The snapshot already judged each address;
// this only names the state and the process to blame.

import type { AddressEntry, LoopbackSnapshot } from '../allocator/snapshot';
import { problem, type DoctorProblem, type ProcessRef } from './problem';

/** The process behind a conflict: the first probe-port holder that is not the lease holder. */
function conflictCulprit(entry: AddressEntry): ProcessRef | null {
  const port = entry.ports.find((p) => p.probePort && !p.heldByLeaseHolder && p.pid !== null);
  return port && port.pid !== null ? { pid: port.pid, command: port.command } : null;
}

export function loopbackProblems(snapshot: LoopbackSnapshot): DoctorProblem[] {
  const out: DoctorProblem[] = [];
  for (const entry of snapshot.addresses) {
    if (entry.poolIndex === null) continue;
    if (entry.state === 'conflict') {
      out.push(
        problem({
          id: `loopback:${entry.address}:conflict`,
          area: 'loopback',
          state: 'conflict',
          subject: entry.address,
          message: `${entry.address}: ${entry.problems.join('; ')}`,
          culprit: conflictCulprit(entry),
        }),
      );
    } else if (entry.state === 'dead-holder' && entry.holder) {
      out.push(
        problem({
          id: `loopback:${entry.address}:dead-holder`,
          area: 'loopback',
          state: 'dead-holder',
          subject: entry.address,
          message: `${entry.address}: lease holder pid ${entry.holder.pid} is no longer running; the slot stays taken until it is released${entry.poolFile ? ` (${entry.poolFile})` : ''}`,
          culprit: { pid: entry.holder.pid, command: entry.holder.command },
        }),
      );
    } else if (entry.state === 'parked' && entry.parked) {
      out.push(
        problem({
          id: `loopback:${entry.address}:parked`,
          area: 'loopback',
          state: 'parked',
          subject: entry.address,
          message: `${entry.address}: parked since ${new Date(entry.parked.parkedAt).toISOString()}: ${entry.parked.reason}`,
          culprit: null,
        }),
      );
    }
  }
  for (const pool of snapshot.pools) {
    if (!pool.error) continue;
    out.push(
      problem({
        id: `loopback:pool:${pool.file}`,
        area: 'loopback',
        state: 'pool-unreadable',
        subject: pool.file,
        message: `pool file ${pool.file}: ${pool.error}`,
        culprit: null,
      }),
    );
  }
  return out;
}
