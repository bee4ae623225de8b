// Thresholds, their defaults, the injectable clock/sleep/process facts, and validation.
import { isOnLocalFileSystem } from './localFs';
import { systemProcessFacts, type LockHolderFacts } from './processFacts';

export type SleepFn = (ms: number) => Promise<void>;

/**
 * A lock older than this (by the timestamp in its content) is stale and may be taken over.
 * The content is written once at acquisition and never refreshed, so this must exceed the
 * longest restart a holder performs under the lock: 30 s is generous for a service restart,
 * and a holder that crashed is now recognised at once by its pid (see README), so the age
 * threshold only matters for holders we cannot prove dead (another host, origin-format
 * content, a hung process).
 */
export const RESTART_LOCK_STALE_MS = 30_000;

/**
 * A waiter that has waited this long takes over even a fresh lock. Twice the stale threshold,
 * so it only fires when age-based staleness cannot (e.g. a holder's clock runs ahead and keeps
 * its timestamp looking fresh); a correct fleet never reaches it.
 */
export const RESTART_LOCK_MAX_WAIT_MS = 60_000;

/**
 * How often a waiter re-reads the lock. Restarts take seconds, so 100 ms adds at most a
 * tenth of a second of latency while keeping the idle cost of a waiting fleet at ten small
 * reads per second per waiter.
 */
export const RESTART_LOCK_POLL_INTERVAL_MS = 100;

/**
 * The registry mutex is held across a few synchronous fs calls (microseconds), so a mutex
 * (or `.reclaim`) older than this by mtime was left by a crashed process. 5 s is three orders
 * of magnitude above a normal hold, so a live holder descheduled by a loaded machine is not
 * reaped under it.
 */
export const RESTART_LOCK_MUTEX_STALE_MS = 5_000;

/** Retry period while the registry mutex is busy: it is held for microseconds. */
export const RESTART_LOCK_MUTEX_RETRY_MS = 2;

/** Test seams: called at the points where a race or a crash matters. Production code never
 * sets them. Synchronous hooks run inside the synchronous critical sections. */
export interface LockHooks {
  /** Async point: after a lock-free look at the lock judged it takeable, before the mutex. */
  beforeTransition?: (state: string) => Promise<void> | void;
  /** The mutex file exists but its token is not written yet. Throwing here simulates a
   * failed token write. */
  afterMutexCreate?: () => void;
  /** The mutex is held (token written), before the lock is read. */
  whileMutexHeld?: (operation: MutexOperation) => void;
  /** The `.reclaim` lock is held, before the stale mutex is re-checked. */
  whileReclaimHeld?: () => void;
}

export type MutexOperation = 'acquire' | 'release' | 'break';

export interface LockOptions {
  staleMs?: number;
  maxWaitMs?: number;
  pollIntervalMs?: number;
  mutexStaleMs?: number;
  mutexRetryMs?: number;
  /** Epoch-ms clock. It is compared with timestamps written by other processes and with file
   * mtimes, so an injected clock must stay near wall-clock time. */
  now?: () => number;
  sleepFn?: SleepFn;
  processFacts?: LockHolderFacts;
  /** Whether a lock path is on a local file system (default: by its statfs type, Linux
   * only). Decides whether origin-format content, which records no host, is judged as a
   * holder on this machine. Injected by tests to play shared storage. */
  localFileSystem?: (lockPath: string) => boolean;
  /** Aborts a wait (the rejection is the signal's reason). Never interrupts a transition. */
  signal?: AbortSignal;
  hooks?: LockHooks;
}

export interface ResolvedOptions {
  staleMs: number;
  maxWaitMs: number;
  pollIntervalMs: number;
  mutexStaleMs: number;
  mutexRetryMs: number;
  now: () => number;
  sleepFn: SleepFn;
  processFacts: LockHolderFacts;
  localFileSystem: (lockPath: string) => boolean;
  signal: AbortSignal | undefined;
  hooks: LockHooks;
}

export const realSleep: SleepFn = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const NUMERIC_OPTIONS = ['staleMs', 'maxWaitMs', 'pollIntervalMs', 'mutexStaleMs', 'mutexRetryMs'] as const;

/** Validates options and fills in defaults. Throws a TypeError/RangeError naming the option:
 * a NaN threshold would make every comparison false and silently disable staleness. */
export function resolveOptions(options: LockOptions | undefined): ResolvedOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`lock options must be an object, got ${describe(options)}`);
  }
  const o = options ?? {};
  for (const name of NUMERIC_OPTIONS) {
    const value = o[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(`lock option ${name} must be a finite number of milliseconds, got ${describe(value)}`);
    }
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`lock option ${name} must be a non-negative integer number of milliseconds, got ${value}`);
    }
  }
  // A zero poll or mutex retry period would spin the event loop; zero thresholds are allowed
  // (staleMs 0: a lock older than 0 ms is stale; maxWaitMs 0: always take over) and help tests.
  if (o.pollIntervalMs === 0) throw new RangeError('lock option pollIntervalMs must be at least 1 ms, got 0');
  if (o.mutexRetryMs === 0) throw new RangeError('lock option mutexRetryMs must be at least 1 ms, got 0');
  for (const name of ['now', 'sleepFn', 'localFileSystem'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') {
      throw new TypeError(`lock option ${name} must be a function, got ${describe(o[name])}`);
    }
  }
  return {
    staleMs: o.staleMs ?? RESTART_LOCK_STALE_MS,
    maxWaitMs: o.maxWaitMs ?? RESTART_LOCK_MAX_WAIT_MS,
    pollIntervalMs: o.pollIntervalMs ?? RESTART_LOCK_POLL_INTERVAL_MS,
    mutexStaleMs: o.mutexStaleMs ?? RESTART_LOCK_MUTEX_STALE_MS,
    mutexRetryMs: o.mutexRetryMs ?? RESTART_LOCK_MUTEX_RETRY_MS,
    now: o.now ?? Date.now,
    sleepFn: o.sleepFn ?? realSleep,
    processFacts: o.processFacts ?? systemProcessFacts,
    localFileSystem: o.localFileSystem ?? isOnLocalFileSystem,
    signal: o.signal,
    hooks: o.hooks ?? {},
  };
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return value === null ? 'null' : typeof value;
}
