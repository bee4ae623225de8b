// Retry-After is honoured: a broker that answers 503/429 with "Retry-After: N" is not asked
// again before N seconds, whatever our own (shorter) backoff says. The sleep is injected and
// recorded, so the test asserts what was waited for without waiting for it.
import { describe, expect, it } from 'vitest';
import { BrokerListener, parseRetryAfter, startFakeBroker, type FakeBroker, type FakeBrokerOptions } from '../../src/core/listener/index';
import { recordEvents, recordingSleep, useCleanups, waitFor } from './helpers';

const cleanups = useCleanups();

async function broker(options: FakeBrokerOptions): Promise<FakeBroker> {
  const b = await startFakeBroker({ longPollHoldMs: 200, ...options });
  cleanups.push(() => b.close());
  return b;
}

describe('Retry-After', () => {
  it('a 503 with Retry-After: 7 on session creation: the next run waits 7 s, not the 50 ms backoff', async () => {
    const b = await broker({ faults: { createSession: { kind: 'status', status: 503, headers: { 'retry-after': '7' }, times: 1 } } });
    const { sleep, delays } = recordingSleep();
    const l = new BrokerListener({
      brokerUrl: b.url,
      controlPlaneTimeoutMs: 2_000,
      backoff: { baseMs: 50, maxMs: 100 },
      random: () => 0.5,
      sleep,
      stopGraceMs: 500,
    });
    cleanups.push(() => l.dispose());
    const events = recordEvents(l);
    l.start();
    const scheduled = await waitFor(() => events.find((e) => e.type === 'restart-scheduled'), 'the restart to be scheduled');
    expect(scheduled).toMatchObject({ delayMs: 7_000 });
    expect(delays).toContain(7_000);
    expect(l.snapshot().lastError?.message).toMatch(/createSession failed with HTTP 503 \(Retry-After 7 s\)/);
    await waitFor(() => l.snapshot().sessionId, 'the session after the wait');
  });

  it('a 429 with Retry-After on job acquisition: the retry waits that long; the session is kept', async () => {
    const b = await broker({ faults: { acquireJobs: { kind: 'status', status: 429, headers: { 'retry-after': '3' }, times: 1 } } });
    const { sleep, delays } = recordingSleep();
    const l = new BrokerListener({
      brokerUrl: b.url,
      controlPlaneTimeoutMs: 2_000,
      acquireBackoff: { baseMs: 20, maxMs: 40 },
      random: () => 0.5,
      sleep,
      stopGraceMs: 500,
    });
    cleanups.push(() => l.dispose());
    l.start();
    const job = b.enqueueJob();
    await waitFor(() => b.acquiredJobs().includes(job), 'the job acquired on the retry');
    expect(delays).toContain(3_000);
    expect(b.counts().createSession).toBe(1);
  });

  it('parses delta-seconds and HTTP-dates, caps absurd values and ignores junk', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('99999999', now)).toBe(10 * 60_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
