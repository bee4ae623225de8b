// One listener run: token, session, then long-poll / acquire / acknowledge until something
// fails or the run is aborted. A run never retries a broken session itself: it throws, and
// the supervisor decides when to start the next run. The exceptions are the ones the
// reference listener makes — bounded 409 retries on session creation, one refresh on 401
// (inside the client) — plus one improvement: a failed job acquisition goes back to polling
// instead of tearing the session down (the message is not acknowledged, so the broker offers
// the job again and acquisition is retried after a backoff).

import { backoffDelay, type BackoffPolicy } from './backoff';
import { CallAbortedError, errorInfo, isHttpStatus, SessionConflictError, type ErrorInfo } from './errors';
import { availableJobIds } from './messages';
import { retryAfterOf } from './retryAfter';
import type { BrokerClient } from './protocol';
import { sleepUnlessAborted } from './sleep';
import type { ListenerState, RandomFn, SleepFn } from './types';

export interface LoopOptions {
  ownerName: string;
  sessionConflictMaxRetries: number;
  sessionConflictRetryDelayMs: number;
  acquireBackoff: BackoffPolicy;
  /** Deadline for the session delete at the end of a run. */
  deleteSessionTimeoutMs: number;
  /** An empty poll (202) answered faster than this is followed by a wait for the rest. */
  emptyPollFloorMs: number;
  sleep: SleepFn;
  random: RandomFn;
}

export interface LoopHooks {
  state(state: ListenerState): void;
  sessionCreated(sessionId: string): void;
  sessionDeleted(sessionId: string): void;
  message(messageId: number): void;
  jobsAcquired(requestIds: number[]): void;
  /** A non-fatal error the run recovered from (409 retry, failed acquisition, user break). */
  recovered(error: ErrorInfo): void;
  /** The whole path works (a poll came back): the supervisor may reset its backoff. */
  healthy(): void;
}

/** Survives across runs so a restart does not re-process acknowledged messages. */
export interface LoopMemory {
  lastMessageId: number;
}

export async function runListenerSession(client: BrokerClient, options: LoopOptions, hooks: LoopHooks, memory: LoopMemory, signal: AbortSignal): Promise<void> {
  hooks.state('starting');
  await client.exchangeToken(signal);
  const session = await createSessionWithRetries(client, options, hooks, signal);
  hooks.sessionCreated(session);
  try {
    await pollLoop(client, options, hooks, memory, signal);
  } finally {
    await deleteSessionQuietly(client, options, hooks);
  }
}

async function createSessionWithRetries(client: BrokerClient, options: LoopOptions, hooks: LoopHooks, signal: AbortSignal): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await client.createSession(options.ownerName, signal)).sessionId;
    } catch (err) {
      // Only a 409 ("a session for this owner already exists", typically our previous
      // session not yet expired) is worth waiting out; anything else goes to the supervisor.
      if (!isHttpStatus(err, 409)) throw err;
      if (attempt >= options.sessionConflictMaxRetries) throw new SessionConflictError(attempt);
      hooks.recovered(errorInfo(err));
      await sleepUnlessAborted(options.sleep, Math.max(options.sessionConflictRetryDelayMs, retryAfterOf(err)), signal);
    }
  }
}

async function pollLoop(client: BrokerClient, options: LoopOptions, hooks: LoopHooks, memory: LoopMemory, signal: AbortSignal): Promise<void> {
  let acquireFailures = 0;
  for (;;) {
    if (signal.aborted) throw signal.reason;
    hooks.state('polling');
    let message;
    const pollStarted = performance.now();
    try {
      message = await client.getMessage(memory.lastMessageId, signal);
    } catch (err) {
      // A user "Break" on the long poll just means "poll again now".
      if (isUserAbort(err) && !signal.aborted) {
        hooks.recovered(errorInfo(err));
        continue;
      }
      throw err;
    }
    hooks.healthy();
    if (!message) {
      // A broker that answers 202 at once instead of holding the poll would otherwise turn
      // this loop into a busy loop against it.
      const rest = options.emptyPollFloorMs - (performance.now() - pollStarted);
      if (rest > 0) await sleepUnlessAborted(options.sleep, rest, signal);
      continue;
    }
    hooks.message(message.messageId);

    const ids = availableJobIds(message);
    if (ids.length > 0) {
      hooks.state('acquiring');
      try {
        const acquired = await client.acquireJobs(ids, signal);
        acquireFailures = 0;
        if (acquired.length > 0) hooks.jobsAcquired(acquired);
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        hooks.recovered(errorInfo(err));
        // Back to polling without acknowledging: the broker redelivers the message and the
        // acquisition is retried. Back off first so a broker failing fast is not hammered;
        // a user Break retries at once.
        if (!isUserAbort(err)) {
          hooks.state('polling');
          const delay = Math.max(backoffDelay(acquireFailures++, options.acquireBackoff, options.random), retryAfterOf(err));
          await sleepUnlessAborted(options.sleep, delay, signal);
        }
        continue;
      }
    }
    memory.lastMessageId = message.messageId;
    await client.deleteMessage(message.messageId, signal);
  }
}

/**
 * Best effort, bounded by its own deadline and deliberately *not* by the run's signal (which
 * is already aborted when a restart or stop got us here): the whole point is to free the
 * session so the next create does not meet a 409.
 */
async function deleteSessionQuietly(client: BrokerClient, options: LoopOptions, hooks: LoopHooks): Promise<void> {
  const session = client.session;
  if (!session) return;
  try {
    await client.deleteSession(new AbortController().signal, options.deleteSessionTimeoutMs);
    hooks.sessionDeleted(session.sessionId);
  } catch (err) {
    hooks.recovered(errorInfo(err));
    client.forgetSession();
  }
}

function isUserAbort(err: unknown): boolean {
  return err instanceof CallAbortedError && err.byUser;
}
