import { LoopbackPool } from '../../../core/allocator';
import { requireTrust, type Host } from '../../common/host';
import type { Log } from '../../common/log';
import type { LoopbackModel } from '../loopbackModel';
import { RELEASE_LEASE_COMMAND } from './commandIds';
import { resolveAddress } from './pickAddress';

export { RELEASE_LEASE_COMMAND };

/** The pool's verdicts, in words for the log. */
const RESULT_WORDS: Record<string, string> = {
  released: 'released',
  'holder-alive': 'not released: its holder is running (the lease was taken again)',
  'not-leased': 'nothing to release: it is no longer leased',
};

/**
 * Frees the pool slot of a dead holder (or a parked address). The pool re-checks under its
 * lock that the holder is still dead, so a lease someone has taken since is never removed.
 */
export async function releaseLeaseCommand(model: LoopbackModel, host: Host, log: Log, arg: unknown): Promise<void> {
  if (!requireTrust(host, 'Release lease')) return;
  const entry = await resolveAddress(model, host, arg, 'Lease to release', (a) => a.state === 'dead-holder' || a.state === 'parked');
  if (!entry) return;
  if (entry.poolIndex === null || !entry.poolFile) {
    host.info(`Flake Doctor: ${entry.address} has no lease to release.`);
    return;
  }
  if (entry.foreignPool) {
    // Another pool's file: Flake Doctor only reads it (its owner may rewrite it in place).
    host.info(
      `Flake Doctor: ${entry.address} is held in the foreign pool file ${entry.poolFile}; Flake Doctor never writes other pools' files (their owners may rewrite them in place); the pool that wrote it has to release it.`,
    );
    return;
  }
  const what = entry.parked ? `the parked address ${entry.address}` : `the lease of dead pid ${entry.holder?.pid} on ${entry.address}`;
  const ok = await host.confirm(
    `Release ${what}?`,
    `Pool file: ${entry.poolFile}\nThe slot is freed only if its holder is still not running when the pool lock is held.`,
    'Release',
  );
  if (!ok) return;
  const { config } = model.currentSettings;
  try {
    const pool = new LoopbackPool({ ...config, poolFile: entry.poolFile, warn: (m) => log.warn(m) });
    const result = await pool.releaseDeadHolder(entry.poolIndex);
    log.info(`Release ${entry.address}: ${RESULT_WORDS[result] ?? result}`);
    if (result === 'released') host.info(`Flake Doctor: released ${entry.address}.`);
    else if (result === 'holder-alive') host.warn(`Flake Doctor: ${entry.address} was not released: its holder is running (the lease was taken again).`);
    else host.info(`Flake Doctor: ${entry.address} is no longer leased.`);
  } catch (err) {
    log.error(`Release ${entry.address} failed: ${(err as Error).message}`);
    host.error(`Flake Doctor: could not release ${entry.address}: ${(err as Error).message}`);
  }
  await model.refresh();
}
