// The listener end to end against a real HTTP broker on loopback. The first describe block
// holds the origin's regressions; each was checked to fail with the deadline removed (see
// the commit message).
import { describe, expect, it } from 'vitest';
import {
  BrokerListener,
  startFakeBroker,
  type BrokerListenerOptions,
  type FakeBroker,
  type FakeBrokerOptions,
  type FakeBrokerRequest,
  type ListenerEvent,
} from '../../src/core/listener/index';
import { recordEvents, recordingSleep, startSilentServer, useCleanups, waitFor } from './helpers';

const DEADLINE = 300;
// Bounds are asserted with generous margins: 2 shared cores, fresh CI machines.
const MARGIN = 1_500;

const cleanups = useCleanups();

async function broker(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
  const b = await startFakeBroker({ longPollHoldMs: 300, ...options });
  cleanups.push(() => b.close());
  return b;
}

function listener(brokerUrl: string, options: Partial<BrokerListenerOptions> = {}): BrokerListener {
  const l = new BrokerListener({
    brokerUrl,
    controlPlaneTimeoutMs: DEADLINE,
    longPollTimeoutMs: 3_000,
    backoff: { baseMs: 50, maxMs: 200 },
    acquireBackoff: { baseMs: 20, maxMs: 100 },
    sessionConflictRetryDelayMs: 20,
    stopGraceMs: 300,
    random: () => 0.5,
    ...options,
  });
  cleanups.push(() => l.dispose());
  return l;
}

function requests(b: FakeBroker): FakeBrokerRequest[] {
  const seen: FakeBrokerRequest[] = [];
  b.onRequest((r) => seen.push(r));
  return seen;
}

function errorsOf(events: ListenerEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'error' ? [`${e.error.name}:${e.error.callName ?? ''}`] : []));
}

describe('origin regressions: no call can hang the listener', () => {
  it('a broker that never answers session creation: fails fast (deadline + margin) and retries', async () => {
    const b = await broker({ faults: { createSession: { kind: 'stall' } } });
    const seen = requests(b);
    const l = listener(b.url);
    const events = recordEvents(l);
    l.start();

    const failed = await waitFor(
      () => l.snapshot().calls.recent.find((c) => c.name === 'createSession' && c.outcome === 'deadline'),
      'the createSession deadline to fire',
    );
    const lasted = (failed.endedAt ?? 0) - failed.startedAt;
    expect(lasted).toBeGreaterThanOrEqual(DEADLINE - 5);
    expect(lasted).toBeLessThan(DEADLINE + MARGIN);
    expect(errorsOf(events)).toContain('DeadlineExceededError:createSession');

    // ...and the supervisor tries again instead of sitting on a dead call.
    await waitFor(() => seen.filter((r) => r.name === 'createSession').length >= 2, 'a second createSession');
    expect(l.snapshot().restarts).toBeGreaterThanOrEqual(1);

    // Once the broker recovers, so does the listener.
    b.clearFaults();
    await waitFor(() => l.snapshot().sessionId, 'a session');
    expect(l.snapshot().state).toMatch(/polling|acquiring/);
  });

  it('a broker that never answers job acquisition: the listener goes back to polling and acquires later', async () => {
    const b = await broker({ faults: { acquireJobs: { kind: 'stall' } } });
    const seen = requests(b);
    const l = listener(b.url);
    const events = recordEvents(l);
    l.start();
    await waitFor(() => l.snapshot().state === 'polling', 'polling');
    const session = l.snapshot().sessionId;
    const jobId = b.enqueueJob();

    const acquire = await waitFor(() => seen.find((r) => r.name === 'acquireJobs'), 'an acquireJobs call');
    const repoll = await waitFor(() => seen.find((r) => r.name === 'getMessage' && r.at > acquire.at), 'a poll after the stalled acquisition');
    expect(repoll.at - acquire.at).toBeLessThan(DEADLINE + MARGIN);
    const ended = l.snapshot().calls.recent.find((c) => c.name === 'acquireJobs');
    expect(ended?.outcome).toBe('deadline');
    expect((ended?.endedAt ?? 0) - (ended?.startedAt ?? 0)).toBeGreaterThanOrEqual(DEADLINE - 5);
    expect(errorsOf(events)).toContain('DeadlineExceededError:acquireJobs');
    // Same session: going back to polling is not a restart.
    expect(l.snapshot().sessionId).toBe(session);
    expect(l.snapshot().restarts).toBe(0);

    b.clearFaults();
    await waitFor(() => l.snapshot().jobsAcquired === 1, 'the job to be acquired once the broker recovers');
    expect(b.acquiredJobs()).toEqual([jobId]);
    expect(l.snapshot().recentJobIds).toEqual([jobId]);
  });

  it('a raw TCP broker that accepts and never writes: every attempt ends at its deadline and is retried', async () => {
    const server = await startSilentServer();
    cleanups.push(() => server.close());
    const l = listener(server.url, { backoff: { baseMs: 20, maxMs: 20 } });
    const events = recordEvents(l);
    const t0 = Date.now();
    l.start();
    const deadlineErrors = (): number => errorsOf(events).filter((e) => e === 'DeadlineExceededError:exchangeToken').length;
    await waitFor(() => deadlineErrors() >= 3, 'three attempts, each ended by its deadline');
    // Three attempts, each bounded by its deadline, plus tiny backoffs.
    expect(Date.now() - t0).toBeLessThan(3 * DEADLINE + MARGIN * 2);
    expect(server.connections()).toBeGreaterThanOrEqual(3);
    expect(l.snapshot().state).toMatch(/starting|backoff/);
  });

  it('headers then a trickled body on session creation: bounded by the deadline, then retried', async () => {
    // The trickled answer carries a session the broker did create: the retry meets a real 409
    // until the broker expires that orphan, exactly as with the real service.
    const b = await broker({ sessionExpiryMs: 300, faults: { createSession: { kind: 'trickle', intervalMs: 50, times: 1 } } });
    const l = listener(b.url, { sessionConflictRetryDelayMs: 100 });
    const events = recordEvents(l);
    l.start();
    await waitFor(() => l.snapshot().sessionId, 'a session after the trickle', 5_000);
    expect(errorsOf(events)).toContain('DeadlineExceededError:createSession');
    const trickled = l.snapshot().calls.recent.find((c) => c.name === 'createSession' && c.outcome === 'deadline');
    expect(trickled?.status).toBe(200); // headers had arrived: a body stall
  });
});

describe('long poll', () => {
  it('is NOT aborted when held longer than controlPlaneTimeoutMs', async () => {
    const hold = DEADLINE * 3;
    const b = await broker({ longPollHoldMs: hold });
    const l = listener(b.url, { longPollTimeoutMs: hold * 4 });
    const events = recordEvents(l);
    l.start();
    const done = await waitFor(() => l.snapshot().calls.recent.find((c) => c.name === 'getMessage'), 'the first long poll to complete', hold + MARGIN * 2);
    expect(done.outcome).toBe('ok');
    expect(done.status).toBe(202);
    expect((done.endedAt ?? 0) - done.startedAt).toBeGreaterThanOrEqual(hold - 50);
    expect(done.stalled).toBe(false);
    expect(errorsOf(events)).toEqual([]);
    expect(l.snapshot().restarts).toBe(0);
  });

  it('is bounded by longPollTimeoutMs', async () => {
    const b = await broker({ faults: { getMessage: { kind: 'stall', times: 1 } } });
    const l = listener(b.url, { longPollTimeoutMs: 500 });
    const events = recordEvents(l);
    l.start();
    await waitFor(() => errorsOf(events).includes('DeadlineExceededError:getMessage'), 'the long poll bound', 500 + MARGIN * 2);
    await waitFor(() => l.snapshot().state === 'polling' && l.snapshot().restarts === 1, 'polling again after a restart');
  });

  it('a broker answering 202 without holding does not turn the loop into a busy loop', async () => {
    const b = await broker({ longPollHoldMs: 0 });
    const l = listener(b.url, { emptyPollFloorMs: 100 });
    l.start();
    await waitFor(() => l.snapshot().state === 'polling', 'polling');
    const before = b.counts().getMessage;
    await new Promise((r) => setTimeout(r, 500));
    // At most one poll per 100 ms (plus slack), not thousands.
    expect(b.counts().getMessage - before).toBeLessThanOrEqual(8);
  });

  it('stop() during a long poll returns promptly and deletes the session', async () => {
    const b = await broker({ longPollHoldMs: 20_000 });
    const l = listener(b.url, { longPollTimeoutMs: 30_000 });
    l.start();
    await waitFor(() => l.calls().find((c) => c.name === 'getMessage'), 'a long poll in flight');
    expect(b.sessions()).toHaveLength(1);
    const t0 = Date.now();
    await l.stop();
    expect(Date.now() - t0).toBeLessThan(MARGIN);
    expect(l.snapshot().state).toBe('stopped');
    expect(l.calls().filter((c) => c.kind !== 'external')).toEqual([]);
    expect(b.sessions()).toEqual([]);
  });

  it('stop() stays bounded even when the broker stalls the session delete', async () => {
    const b = await broker({ longPollHoldMs: 20_000, faults: { deleteSession: { kind: 'stall' } } });
    const l = listener(b.url, { longPollTimeoutMs: 30_000, stopGraceMs: 200 });
    l.start();
    await waitFor(() => l.calls().find((c) => c.name === 'getMessage'), 'a long poll in flight');
    const t0 = Date.now();
    await l.stop();
    expect(Date.now() - t0).toBeLessThan(200 + MARGIN);
  });
});

describe('401, 409 and bad bodies', () => {
  it('401 on the message queue: refreshes the session once and carries on, no restart', async () => {
    const b = await broker();
    const l = listener(b.url);
    l.start();
    await waitFor(() => l.snapshot().state === 'polling', 'polling');
    const session = l.snapshot().sessionId;
    b.expireTokens('queue');
    const jobId = b.enqueueJob();
    await waitFor(() => l.snapshot().jobsAcquired === 1, 'the job acquired with a refreshed token');
    expect(b.counts().refreshSession).toBe(1);
    expect(b.acquiredJobs()).toEqual([jobId]);
    expect(l.snapshot().sessionId).toBe(session);
    expect(l.snapshot().restarts).toBe(0);
  });

  it('401 on an admin call: exchanges the token once and carries on', async () => {
    const b = await broker();
    const l = listener(b.url);
    b.setFault('createSession', { kind: 'status', status: 401, times: 1 });
    l.start();
    await waitFor(() => l.snapshot().sessionId, 'a session');
    expect(b.counts().exchangeToken).toBe(2);
    expect(b.counts().createSession).toBe(2);
    expect(l.snapshot().restarts).toBe(0);
  });

  it('a 401 that persists after the refresh is an error: refresh exactly once per run', async () => {
    const b = await broker({ faults: { getMessage: { kind: 'status', status: 401 } } });
    const l = listener(b.url, { maxRestarts: 0 });
    l.start();
    await waitFor(() => l.snapshot().state === 'failed', 'the listener to give up');
    expect(b.counts().getMessage).toBe(2);
    expect(b.counts().refreshSession).toBe(1);
    expect(l.snapshot().lastError).toMatchObject({ name: 'BrokerHttpError', status: 401, callName: 'getMessage' });
  });

  it('a 409 loop stays bounded: sessionConflictMaxRetries per run, then backoff, then give up', async () => {
    const b = await broker({ faults: { createSession: { kind: 'status', status: 409 } } });
    const { sleep, delays } = recordingSleep();
    const l = listener(b.url, { sessionConflictMaxRetries: 3, sessionConflictRetryDelayMs: 1_000, maxRestarts: 1, sleep });
    l.start();
    await waitFor(() => l.snapshot().state === 'failed', 'the listener to give up');
    expect(b.counts().createSession).toBe(6); // 3 attempts × 2 runs, not one more
    // Per run: two 409 waits; between the runs: one supervisor backoff (base 50, jitter 0.5).
    expect(delays).toEqual([1_000, 1_000, 38, 1_000, 1_000]);
    expect(l.snapshot().lastError).toMatchObject({ name: 'SessionConflictError' });
    // Leaves no session behind.
    expect(b.sessions()).toEqual([]);
  });

  it('a real conflict (our own stale session) resolves once the broker expires it', async () => {
    const b = await broker({ sessionExpiryMs: 400 });
    const first = listener(b.url, { ownerName: 'runner-a' });
    first.start();
    await waitFor(() => first.snapshot().sessionId, 'the first session');
    // The first listener "crashes" without deleting its session: kill its delete.
    b.setFault('deleteSession', { kind: 'status', status: 500, times: 1 });
    await first.stop();
    expect(b.sessions()).toHaveLength(1);
    const second = listener(b.url, { ownerName: 'runner-a', sessionConflictRetryDelayMs: 100, sessionConflictMaxRetries: 20 });
    second.start();
    await waitFor(() => second.snapshot().sessionId, 'the second session after the stale one expires');
    expect(b.counts().createSession).toBeGreaterThan(2);
  });

  it('a 200 with a truncated body is a retriable error, not a crash', async () => {
    const b = await broker({ faults: { getMessage: { kind: 'truncated', times: 1 } } });
    const l = listener(b.url);
    const events = recordEvents(l);
    l.start();
    await waitFor(() => errorsOf(events).includes('TransportError:getMessage'), 'the truncated body error');
    b.enqueueJob();
    await waitFor(() => l.snapshot().jobsAcquired === 1, 'recovery');
    expect(l.snapshot().restarts).toBe(1);
  });

  it('a 200 with a malformed body is a retriable error, not a crash', async () => {
    const b = await broker({ faults: { createSession: { kind: 'malformed', times: 1 } } });
    const l = listener(b.url);
    const events = recordEvents(l);
    l.start();
    await waitFor(() => l.snapshot().sessionId, 'a session after the malformed one');
    expect(errorsOf(events)).toContain('MalformedResponseError:createSession');
  });

  it('5xx on session creation: restarts with backoff', async () => {
    const b = await broker({ faults: { createSession: { kind: 'status', status: 503, times: 2 } } });
    const l = listener(b.url);
    const events = recordEvents(l);
    l.start();
    await waitFor(() => l.snapshot().sessionId, 'a session after two 503s');
    const scheduled = events.filter((e) => e.type === 'restart-scheduled');
    expect(scheduled.map((e) => (e.type === 'restart-scheduled' ? e.delayMs : -1))).toEqual([38, 75]);
  });
});

describe('actions and snapshot', () => {
  it('abortCall(id) on a stalled acquisition: the call leaves, the listener retries and acquires', async () => {
    const b = await broker({ faults: { acquireJobs: { kind: 'stall', times: 1 } } });
    const l = listener(b.url, { controlPlaneTimeoutMs: 30_000, stallThresholdMs: 100 });
    l.start();
    await waitFor(() => l.snapshot().state === 'polling', 'polling');
    b.enqueueJob();
    const stalled = await waitFor(() => l.calls().find((c) => c.name === 'acquireJobs' && c.stalled), 'a stalled acquisition');
    expect(stalled.deadlineAt).toBe(stalled.startedAt + 30_000);
    expect(l.abortCall(stalled.id)).toBe(true);
    await waitFor(() => !l.calls().some((c) => c.id === stalled.id), 'the call to leave');
    await waitFor(() => l.snapshot().jobsAcquired === 1, 'the retried acquisition');
    expect(l.snapshot().restarts).toBe(0);
    expect(l.snapshot().calls.recent.find((c) => c.id === stalled.id)?.outcome).toBe('aborted');
  });

  it('abortCall(id) on the long poll just polls again', async () => {
    const b = await broker({ longPollHoldMs: 20_000 });
    const l = listener(b.url, { longPollTimeoutMs: 30_000 });
    l.start();
    const poll = await waitFor(() => l.calls().find((c) => c.name === 'getMessage'), 'a long poll');
    expect(l.abortCall(poll.id)).toBe(true);
    await waitFor(() => l.calls().find((c) => c.name === 'getMessage' && c.id !== poll.id), 'a new long poll');
    expect(l.snapshot().restarts).toBe(0);
  });

  it('restart() deletes the session and creates a new one', async () => {
    const b = await broker();
    const l = listener(b.url);
    l.start();
    const before = await waitFor(() => l.snapshot().sessionId, 'a session');
    l.restart();
    const after = await waitFor(() => {
      const id = l.snapshot().sessionId;
      return id && id !== before ? id : null;
    }, 'a new session');
    expect(b.sessions().map((s) => s.sessionId)).toEqual([after]);
    expect(b.counts().deleteSession).toBe(1);
    expect(l.snapshot().restarts).toBe(1);
  });

  it('restart() brings a listener back after the supervisor gave up', async () => {
    const b = await broker({ faults: { createSession: { kind: 'status', status: 503 } } });
    const l = listener(b.url, { maxRestarts: 0 });
    l.start();
    await waitFor(() => l.snapshot().state === 'failed', 'the listener to give up');
    b.clearFaults();
    l.restart();
    await waitFor(() => l.snapshot().sessionId, 'a session after the manual restart');
  });

  it('probeBroker() times a request; a stalling broker gives a bounded failed probe', async () => {
    const b = await broker();
    const l = listener(b.url);
    const ok = await l.probeBroker();
    expect(ok).toMatchObject({ ok: true, status: 200, error: null });
    b.setFault('probe', { kind: 'stall' });
    const bad = await l.probeBroker();
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/deadline/);
    expect(bad.latencyMs).toBeLessThan(DEADLINE + MARGIN);
  });

  it('the snapshot is JSON-serialisable and does not list its own calls twice', async () => {
    const b = await broker();
    const l = listener(b.url, { observeProcess: true });
    l.start();
    b.enqueueJob();
    // The job is counted on acquisition; the message is acknowledged just after.
    await waitFor(() => l.snapshot().jobsAcquired === 1 && l.snapshot().state === 'polling', 'a job, then polling again');
    const snap = l.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(snap.calls.recent.filter((c) => c.kind === 'external' && c.url.startsWith(b.url))).toEqual([]);
    expect(snap).toMatchObject({ state: 'polling', lastMessageId: 1, jobsAcquired: 1, controlPlaneTimeoutMs: DEADLINE });
  });
});
