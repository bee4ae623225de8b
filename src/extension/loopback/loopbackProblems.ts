import type { LoopbackSnapshot } from '../../core/allocator';
import { loopbackProblems as coreLoopbackProblems } from '../../core/doctor/loopbackProblems';
import { orphanProblems } from '../../core/doctor/orphanProblems';
import type { OrphanedServer } from '../../core/observe/orphans';
import { viewProblem, type Problem, type ProblemFix } from '../problems/problem';
import { BREAK_ADDRESS_COMMAND, PROBE_ADDRESS_COMMAND, RELEASE_LEASE_COMMAND, STOP_SERVER_COMMAND } from './commands/commandIds';

/**
 * Status-bar problems of the loopback snapshot — the doctor's own (conflicts, dead holders,
 * parked addresses, unreadable pool files), so the view, the problem list and
 * `flake-doctor doctor` agree — with the view's fixes.
 */
export function loopbackProblems(snapshot: LoopbackSnapshot, reveal: (address: string) => Promise<void>, orphans: readonly OrphanedServer[] = []): Problem[] {
  return [...coreLoopbackProblems(snapshot), ...orphanProblems(orphans)].map((dp) => {
    const address = dp.subject;
    let fixes: ProblemFix[] = [];
    if (dp.state === 'conflict') {
      fixes = [
        { label: '$(debug-stop) Break (stop the holders)…', command: BREAK_ADDRESS_COMMAND, args: [address] },
        { label: '$(pulse) Probe', command: PROBE_ADDRESS_COMMAND, args: [address] },
      ];
    } else if (dp.state === 'orphaned-server') {
      fixes = [{ label: `$(debug-stop) Break (stop pid ${dp.culprit?.pid ?? '?'})…`, command: STOP_SERVER_COMMAND, args: [address] }];
    } else if (dp.state === 'dead-holder' || dp.state === 'parked') {
      fixes = [{ label: '$(unlock) Release Lease…', command: RELEASE_LEASE_COMMAND, args: [address] }];
    }
    // The detail drops the subject the label already starts with.
    const detail = dp.message.startsWith(`${address}: `) ? dp.message.slice(address.length + 2) : dp.message;
    return viewProblem(dp, { detail, reveal: dp.state === 'pool-unreadable' || dp.state === 'orphaned-server' ? undefined : () => reveal(address), fixes });
  });
}
