// Announces a restart lock this process is waiting for, then holds, to the live registry, so
// the bridge can publish waiters (the Restart Locks view shows who queues behind a holder).
import { resolve } from 'node:path';
import { liveRegistry } from '../live/registry';
import type { LockHandle } from './acquire';

export async function announceLockWait(givenPath: string, acquire: () => Promise<LockHandle>): Promise<LockHandle> {
  // Absolute, so a viewer in another cwd matches it to the lock file it watches.
  const lockPath = resolve(givenPath);
  const handle = liveRegistry().add('lock', { lockPath, state: 'waiting', since: Date.now() });
  let lock: LockHandle;
  try {
    lock = await acquire();
  } catch (err) {
    handle.remove();
    throw err;
  }
  handle.update({ lockPath, state: 'held', since: lock.acquiredAt });
  return {
    lockPath: lock.lockPath,
    token: lock.token,
    acquiredAt: lock.acquiredAt,
    acquisition: lock.acquisition,
    async release() {
      try {
        return await lock.release();
      } finally {
        handle.remove();
      }
    },
  };
}
