// flake-doctor/lock: a cross-process restart lock, its inspector and its safe breaker.
// See README.md in this folder for the algorithm and the guarantees.
// FLAKE_DOCTOR_BRIDGE=1 publishes this process's cores over the bridge (see bridge/autostart.ts).
import '../bridge/autostart';
export {
  RESTART_LOCK_STALE_MS,
  RESTART_LOCK_MAX_WAIT_MS,
  RESTART_LOCK_POLL_INTERVAL_MS,
  RESTART_LOCK_MUTEX_STALE_MS,
  RESTART_LOCK_MUTEX_RETRY_MS,
  type SleepFn,
  type LockOptions,
  type LockHooks,
  type MutexOperation,
} from './options';
export { acquireRestartLock, acquireLockFile, restartLockPath, type LockHandle, type Acquisition } from './acquire';
export { inspectRestartLock, type RestartLockSnapshot, type HolderSnapshot, type AuxFileSnapshot, type InspectOptions } from './inspect';
export { breakRestartLock, decideBreak, type BreakOptions, type BreakReport, type BreakOutcome } from './break';
export { parseLockContent, formatLockContent, parseMutexContent, type LockRecord, type ParseResult } from './content';
export { judgeLock, assessHolder, isProvablyDead, type LockState, type HolderLiveness, type LockJudgement, type HolderAssessment } from './judge';
export { mutexPath, reclaimPath, type ReapEvent } from './mutex';
export { isOnLocalFileSystem } from './localFs';
export { systemProcessFacts, parseProcStatStartTime, parseProcCmdline, type LockHolderFacts, type PidProbe } from './processFacts';
import type { LockHolderFacts } from './processFacts';
/** @deprecated Renamed `LockHolderFacts` (the allocator's process facts are `ProcessTable`). */
export type ProcessFacts = LockHolderFacts;
export { writeLockForTesting, plantDeadHolderLock, type DeadHolderLock } from './testing';
export { NotARegularFileError } from '../files/regularFile';
export { LOCK_READ_LIMIT_BYTES } from './files';
