// Breaking a lock on a user's request: take it over (the same transition a waiter uses, with
// the same re-read and re-judgement), then release it with our own token (the same
// token-gated release an owner uses), both inside ONE hold of the registry mutex. So a break
// is safe against concurrent breakers (the others re-read under the mutex and find it free),
// against a live owner's release (which needs the mutex too, and afterwards finds no lock with
// its token), and against a new holder appearing between the user's look and the click
// (`expectedToken`). Doing both steps in one hold means no other process ever sees the
// breaker itself as a holder of the lock.
import type { LockRecord } from './content';
import type { HolderLiveness, LockJudgement, LockState } from './judge';
import { clearOrphanedReclaimWhileHoldingMutex, withRegistryMutex, type ReapEvent } from './mutex';
import { resolveOptions, type LockOptions } from './options';
import { releaseInsideMutex, takeInsideMutex } from './transitions';

export interface BreakOptions extends Pick<
  LockOptions,
  'staleMs' | 'mutexStaleMs' | 'mutexRetryMs' | 'now' | 'sleepFn' | 'processFacts' | 'localFileSystem' | 'hooks'
> {
  /** Break even a fresh lock whose holder is alive. The view asks twice before setting it. */
  force?: boolean;
  /** Break only if the lock still carries this token: the holder the user was shown. */
  expectedToken?: string;
}

export type BreakOutcome =
  /** We took the lock over and removed it. */
  | 'removed'
  /** There was no lock to break. */
  | 'already-free'
  /** Not broken: a live holder's fresh lock without `force`, or not the expected holder. */
  | 'refused';

/** What a break did. JSON-serialisable; `previous` is the record read under the mutex at the
 * moment of the decision, i.e. exactly the holder that was (or was not) displaced. */
export interface BreakReport {
  lockPath: string;
  outcome: BreakOutcome;
  /** One line for the user. */
  message: string;
  /** The lock's state as judged under the mutex. */
  judgedState: LockState;
  forced: boolean;
  previous: LockRecord | null;
  previousLiveness: HolderLiveness | null;
  previousCorruptReason: string | null;
  /** Stale `.mutex` / orphaned `.reclaim` files cleared on the way in. */
  reaped: ReapEvent[];
}

type Decision = { take: LockState } | { refuse: 'already-free' | 'holder-changed' | 'live-holder' };

/** Pure: whether a break may take over a lock in the given judged state. */
export function decideBreak(current: LockJudgement, force: boolean, expectedToken: string | undefined): Decision {
  if (current.state === 'free') return { refuse: 'already-free' };
  if (expectedToken !== undefined && current.record?.token !== expectedToken) return { refuse: 'holder-changed' };
  if (current.state === 'held' && !force) return { refuse: 'live-holder' };
  return { take: current.state };
}

export async function breakRestartLock(lockPath: string, options?: BreakOptions): Promise<BreakReport> {
  const { force = false, expectedToken, ...lockOptions } = options ?? {};
  if (typeof force !== 'boolean') throw new TypeError(`break option force must be a boolean, got ${typeof force}`);
  if (expectedToken !== undefined && (typeof expectedToken !== 'string' || expectedToken.length === 0)) {
    throw new TypeError('break option expectedToken must be a non-empty string');
  }
  const resolved = resolveOptions(lockOptions);
  const reaped: ReapEvent[] = [];
  // No decision is made before the mutex is held; this seam lets tests line breakers up here.
  await resolved.hooks.beforeTransition?.('break');
  const outcome = await withRegistryMutex(
    lockPath,
    resolved,
    'break',
    () => {
      clearOrphanedReclaimWhileHoldingMutex(lockPath, resolved, reaped);
      const taken = takeInsideMutex(lockPath, resolved, (current) => {
        const decision = decideBreak(current, force, expectedToken);
        return 'take' in decision ? decision.take : null;
      });
      // Cannot fail: we hold the mutex and just wrote this token.
      if (taken.taken && !releaseInsideMutex(lockPath, taken.record.token)) throw new Error(`lost our own takeover of ${lockPath}`);
      return taken;
    },
    reaped,
  );
  const judged = outcome.taken ? outcome.previous : outcome.current;
  const base = {
    lockPath,
    judgedState: judged.state,
    forced: force,
    previous: judged.record,
    previousLiveness: judged.holder?.liveness ?? null,
    previousCorruptReason: judged.corruptReason,
    reaped,
  };
  if (outcome.taken) {
    const who = judged.record === null ? 'corrupt content' : `pid ${judged.record.pid}`;
    return { ...base, outcome: 'removed', message: `removed the ${judged.state} lock of ${who}${force && judged.state === 'held' ? ' (forced)' : ''}` };
  }
  const decision = decideBreak(judged, force, expectedToken);
  const refusal = 'refuse' in decision ? decision.refuse : 'live-holder';
  if (refusal === 'already-free') return { ...base, outcome: 'already-free', message: 'the lock was already free' };
  const message =
    refusal === 'holder-changed'
      ? `not broken: the lock now has another holder (pid ${judged.record?.pid ?? 'unknown'}) than the one expected`
      : `not broken: pid ${judged.record?.pid} holds a fresh lock and is alive (use force to break it anyway)`;
  return { ...base, outcome: 'refused', message };
}
