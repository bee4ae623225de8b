// FLAKE_DOCTOR_BRIDGE=1 publishes this process's cores over the bridge (see bridge/autostart.ts).
import '../bridge/autostart';
/**
 * flake-doctor/allocator — a loopback address pool for parallel integration tests,
 * the conflict canary, and the socket scan behind the "Loopback Addresses" view.
 */
export {
  LoopbackPool,
  PoolExhaustedError,
  defaultPoolFile,
  type LoopbackLease,
  type LoopbackPoolOptions,
  type SkippedAddress,
  type TeardownOptions,
} from './pool';
export { isPortInUseOnAddress, findConflictingPort, isPortAcceptingOnAddress, probeAddress, type PortProbe } from './canary';
export { scanLoopbackListeners, ScanUnavailableError, type LoopbackListener } from './scan';
export { parseProcNetTcp, decodeProcNetAddress, isLoopbackAddress, isWildcardAddress, TCP_LISTEN, type ProcNetSocket } from './procNet';
export { parseLsofListeners } from './lsofOutput';
export { waitForPortsFree, stopProcess, type StopTarget, type StopOutcome, type StopOptions } from './teardown';
export {
  ORIGIN_POOL_FILE_NAME,
  DEFAULT_ORIGIN_START,
  originDefaultPoolFile,
  effectiveForeignPoolFiles,
  readForeignLeases,
  type ForeignLease,
  type ForeignLeases,
} from './foreignPools';
export { PoolFileRefusedError, alternativePoolFile } from './ownPoolFile';
export {
  readSettled,
  readPoolFileSettled,
  readPoolFileSettledSync,
  observePoolFile,
  observePoolFileSync,
  POOL_REREAD_INTERVAL_MS,
  POOL_QUIET_MS,
  POOL_MAX_WAIT_MS,
  POOL_MAX_READS,
  type PoolFileObservation,
  type StableReadOptions,
  type StableText,
} from './poolRead';
export {
  parsePoolFile,
  serializePoolFile,
  isDamagedOwnPoolFile,
  PoolFileCorruptError,
  type PoolFileContent,
  type PoolSlot,
  type LeasedSlot,
  type ParkedSlot,
} from './poolFile';
export { PoolLock, POOL_LOCK_STALE_MS } from './poolLock';
export {
  resolvePoolConfig,
  rangeError,
  isValidPort,
  addressForIndex,
  DEFAULT_POOL_START,
  DEFAULT_POOL_COUNT,
  DEFAULT_PROBE_PORTS,
  DEFAULT_OPS_PORT,
  DEFAULT_HTTP_PORT,
  POOL_ENV,
  type PoolConfig,
} from './config';
export {
  buildLoopbackSnapshot,
  addressesWithProblems,
  type LoopbackSnapshot,
  type AddressEntry,
  type AddressState,
  type PortEntry,
  type HolderEntry,
  type PoolSource,
} from './snapshot';
export { inspectLoopback, readPoolSource, type InspectOptions } from './inspect';
export { osProcessFacts, type ProcessTable } from '../process';
import type { ProcessTable } from '../process';
/** @deprecated Renamed `ProcessTable` (the lock core's own process facts are `LockHolderFacts`). */
export type ProcessFacts = ProcessTable;
export { NotARegularFileError } from '../files/regularFile';
