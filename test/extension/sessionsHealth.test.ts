import { describe, expect, it } from 'vitest';
import type { SessionSnapshot } from '../../src/core/relay';
import { classifySession } from '../../src/extension/sessions/sessionHealth';
import { coarseAge, sessionDescription, sessionTooltipMarkdown } from '../../src/extension/sessions/sessionsFormat';

const NOW = 1_700_000_000_000;

function session(overrides: Partial<SessionSnapshot> = {}): SessionSnapshot {
  return {
    id: 'provider-1',
    role: 'provider',
    remoteAddress: '127.0.0.1',
    remotePort: 40000,
    connectedAt: NOW - 60_000,
    lastInbound: { kind: 'pong', at: NOW - 2500 },
    lastPong: { rttMs: 0.42, at: NOW - 2500 },
    missedPongs: 0,
    queue: { frames: 0, bytes: 0, controlFrames: 0, limitFrames: 1024, limitBytes: 16 * 1024 * 1024 },
    bufferedAmount: 0,
    bytesIn: 100,
    bytesOut: 200,
    framesIn: 3,
    framesOut: 4,
    writeDeadline: { state: 'idle', inFlight: 0, oldestHandedAt: null, dueAt: null, timeoutMs: 10_000 },
    closing: { state: 'open', code: null, reason: null, since: null, initiatedBy: null },
    inFlightRequests: 0,
    rejected: { backpressure: 0, badMessages: 0 },
    ...overrides,
  };
}

const thresholds = { backlogWarningBytes: 1024 * 1024 };

describe('session health', () => {
  it('a session with a recent PONG, an empty queue and no write pending is ok', () => {
    expect(classifySession(session(), thresholds)).toMatchObject({ health: 'ok', issues: [] });
  });

  it('flags missed PONGs, an overdue write deadline and a backlog, each with its facts', () => {
    const c = classifySession(
      session({
        missedPongs: 2,
        writeDeadline: { state: 'overdue', inFlight: 1, oldestHandedAt: NOW - 12_000, dueAt: NOW - 2000, timeoutMs: 10_000 },
        queue: { frames: 10, bytes: 900 * 1024, controlFrames: 0, limitFrames: 1024, limitBytes: 16 * 1024 * 1024 },
        bufferedAmount: 200 * 1024,
      }),
      thresholds,
    );
    expect(c.health).toBe('warning');
    expect(c.issues.map((i) => i.kind)).toEqual(['write-overdue', 'missed-pongs', 'backlog']);
    expect(c.issues[1]!.message).toBe('2 heartbeat PINGs in a row without a PONG');
    expect(c.issues[2]!.message).toBe('backlog: 10/1024 frames (900.0 KiB) queued, 200.0 KiB in the socket buffer');
  });

  it('counts queued plus buffered bytes against the threshold, and a half-full frame queue on its own', () => {
    const below = session({ queue: { frames: 3, bytes: 500 * 1024, controlFrames: 0, limitFrames: 1024, limitBytes: 1 << 24 }, bufferedAmount: 500 * 1024 });
    expect(classifySession(below, thresholds).health).toBe('ok');
    expect(classifySession(below, { backlogWarningBytes: 1000 * 1024 }).health).toBe('warning');
    const manySmall = session({ queue: { frames: 512, bytes: 512 * 20, controlFrames: 0, limitFrames: 1024, limitBytes: 1 << 24 } });
    expect(classifySession(manySmall, thresholds).issues.map((i) => i.kind)).toEqual(['backlog']);
  });

  it('a closing session is shown as closing, not as a problem', () => {
    const c = classifySession(
      session({ missedPongs: 3, closing: { state: 'closing', code: 4000, reason: 'x', since: NOW, initiatedBy: 'relay' } }),
      thresholds,
    );
    expect(c.health).toBe('closing');
  });
});

describe('session rows', () => {
  it('the description carries role, remote address, RTT, queue, buffered, inbound age and write state', () => {
    expect(sessionDescription(classifySession(session(), thresholds), NOW)).toBe(
      'provider · 127.0.0.1:40000 · RTT <1 ms · queue 0 (0 B) · buffered 0 B · in <10 s ago · write idle',
    );
    const armed = session({
      lastPong: null,
      missedPongs: 1,
      lastInbound: null,
      writeDeadline: { state: 'armed', inFlight: 1, oldestHandedAt: NOW, dueAt: NOW + 9000, timeoutMs: 10_000 },
    });
    expect(sessionDescription(classifySession(armed, thresholds), NOW)).toBe(
      'provider · 127.0.0.1:40000 · no PONG yet · 1 missed · queue 0 (0 B) · buffered 0 B · nothing in yet · write armed (due in <10 s)',
    );
  });

  it('row ages move in coarse steps, so a visible view does not redraw (and close tooltips) every second', () => {
    expect(coarseAge(10)).toBe(coarseAge(900));
    expect(coarseAge(1500)).toBe(coarseAge(4900));
    expect([10_000, 17_000, 19_999].map(coarseAge)).toEqual(['10 s', '10 s', '10 s']);
    expect(coarseAge(59_000)).toBe('50 s');
    expect(coarseAge(150_000)).toBe('2 min');
  });

  it('the tooltip lists every fact and the problems', () => {
    const md = sessionTooltipMarkdown(classifySession(session({ missedPongs: 1, inFlightRequests: 2 }), thresholds), NOW);
    expect(md).toContain('**provider-1** — provider from `127.0.0.1:40000`, connected 1 min ago');
    expect(md).toContain('| last PONG round trip | 0.4 ms, 3 s ago |');
    expect(md).toContain('| write deadline | idle (0 in flight; timeout 10 s) |');
    expect(md).toContain('| requests in flight | 2 |');
    expect(md).toContain('$(warning) 1 heartbeat PING in a row without a PONG');
  });
});
