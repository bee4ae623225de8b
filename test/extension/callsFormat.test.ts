import { describe, expect, it } from 'vitest';
import type { CallSnapshot, ListenerSnapshot } from '../../src/core/listener';
import {
  ageAgainstDeadline,
  callDescription,
  callTooltipMarkdown,
  formatAge,
  listenerDescription,
  listenerTooltipMarkdown,
} from '../../src/extension/calls/callsFormat';
import type { CallsState } from '../../src/extension/calls/callsModel';
import { callsProblems } from '../../src/extension/calls/callsProblems';

const T0 = 1_700_000_000_000;

function call(over: Partial<CallSnapshot> = {}): CallSnapshot {
  return {
    id: 'c7',
    name: 'acquireJobs',
    kind: 'control-plane',
    method: 'POST',
    url: 'http://127.0.0.1:8181/acquirejobs',
    startedAt: T0,
    deadlineAt: T0 + 30_000,
    stalled: false,
    phase: 'awaiting-headers',
    status: null,
    endedAt: null,
    outcome: null,
    error: null,
    ...over,
  };
}

function listener(over: Partial<ListenerSnapshot> = {}): ListenerSnapshot {
  return {
    brokerUrl: 'http://127.0.0.1:8181',
    actionsServiceUrl: 'http://127.0.0.1:8181/tenant/flake-doctor/',
    scaleSetId: 1,
    ownerName: 'flake-doctor-host-1',
    state: 'polling',
    sessionId: '3f2a1b2c-0000-4000-8000-000000000001',
    lastMessageId: 3,
    messagesReceived: 3,
    jobsAcquired: 1,
    recentJobIds: [1001],
    restarts: 0,
    consecutiveFailures: 0,
    nextRestartAt: null,
    lastError: null,
    controlPlaneTimeoutMs: 30_000,
    longPollTimeoutMs: 60_000,
    stallThresholdMs: 10_000,
    calls: { inFlight: [], recent: [] },
    takenAt: T0,
    ...over,
  };
}

describe('Broker Calls row text', () => {
  it('ages in whole seconds against the deadline', () => {
    expect(formatAge(999)).toBe('<10 s');
    expect(formatAge(12_400)).toBe('10 s');
    expect(formatAge(59_999)).toBe('50 s');
    expect(formatAge(120_000)).toBe('2 min');
    expect(ageAgainstDeadline(call(), T0 + 12_400)).toBe('10 s / 30 s');
    expect(ageAgainstDeadline(call({ deadlineAt: T0 + 500 }), T0 + 100)).toBe('<10 s / 500 ms');
    expect(ageAgainstDeadline(call({ kind: 'external', deadlineAt: null }), T0 + 3000)).toBe('<10 s');
  });

  it('describes a call in flight, stalled, past its deadline, a long poll and an ended call', () => {
    expect(callDescription(call(), T0 + 2000)).toBe('<10 s / 30 s · no answer yet · POST /acquirejobs');
    expect(callDescription(call({ stalled: true }), T0 + 12_000)).toBe('10 s / 30 s · stalled · no answer yet · POST /acquirejobs');
    expect(callDescription(call({ stalled: true }), T0 + 31_000)).toBe('30 s / 30 s · PAST DEADLINE · no answer yet · POST /acquirejobs');
    expect(
      callDescription(call({ name: 'getMessage', kind: 'long-poll', method: 'GET', url: 'http://b/sessions/s/messages', deadlineAt: T0 + 60_000 }), T0 + 5000),
    ).toBe('<10 s / 1 min · long poll · no answer yet · GET /sessions/s/messages');
    expect(callDescription(call({ phase: 'receiving-body', status: 200 }), T0 + 1000)).toBe('<10 s / 30 s · receiving body (200) · POST /acquirejobs');
    expect(callDescription(call({ outcome: 'aborted', endedAt: T0 + 12_000, phase: 'done', error: 'aborted by user' }), T0 + 20_000)).toBe(
      'aborted after 12 s · POST /acquirejobs',
    );
    expect(callDescription(call({ outcome: 'ok', status: 200, endedAt: T0 + 3, phase: 'done' }), T0 + 20_000)).toBe('ok 200 after 3 ms · POST /acquirejobs');
  });

  it('tooltips carry every fact, escaped for a Markdown table', () => {
    const md = callTooltipMarkdown(call({ stalled: true, error: 'a | b' }), T0 + 12_000);
    expect(md).toContain('`POST http://127.0.0.1:8181/acquirejobs`');
    expect(md).toContain('| deadline | 30 s (18 s left) |');
    expect(md).toContain('a \\| b');
    expect(md).toContain('Stalled: older than the stall threshold');
    const lt = listenerTooltipMarkdown(
      listener({ lastError: { name: 'DeadlineExceededError', message: 'no answer', callName: 'acquireJobs', status: null, at: T0 } }),
      T0 + 5000,
    );
    expect(lt).toContain('| last error | DeadlineExceededError in acquireJobs: no answer, 5 s ago |');
    expect(lt).toContain('control plane 30 s, long poll 1 min, stalled after 10 s');
  });

  it('describes the listener: state, session, last message, jobs, and the error while failing', () => {
    expect(listenerDescription(listener(), T0)).toBe('polling · session 3f2a1b2c… · message 3 · 1 job acquired');
    const failing = listener({
      state: 'backoff',
      sessionId: null,
      nextRestartAt: T0 + 2500,
      jobsAcquired: 0,
      lastError: { name: 'TransportError', message: 'connect ECONNREFUSED 127.0.0.1:8181', callName: 'exchangeToken', status: null, at: T0 },
      calls: { inFlight: [call({ stalled: true })], recent: [] },
    });
    expect(listenerDescription(failing, T0)).toBe(
      '1 stalled · backing off, retry in <10 s · no session · message 3 · 0 jobs acquired · last error: connect ECONNREFUSED 127.0.0.1:8181',
    );
  });
});

describe('Broker Calls status-bar problems', () => {
  const state = (over: Partial<CallsState> = {}): CallsState => ({
    brokerUrl: 'http://127.0.0.1:8181',
    listener: listener(),
    processCalls: [],
    settingsPending: false,
    ...over,
  });
  const reveal = () => Promise.resolve();

  it('none while all is well', () => {
    expect(
      callsProblems(
        state({ listener: listener({ calls: { inFlight: [call()], recent: [call({ id: 'c1', stalled: true, outcome: 'deadline', endedAt: T0 })] } }) }),
        reveal,
      ),
    ).toEqual([]);
    expect(callsProblems(state({ listener: null }), reveal)).toEqual([]);
  });

  it('one per stalled call in flight, with Break and Probe; stable text (no ages)', () => {
    const s = state({
      listener: listener({ calls: { inFlight: [call({ stalled: true }), call({ id: 'c8', name: 'getMessage', kind: 'long-poll' })], recent: [] } }),
      processCalls: [call({ id: 'x9', name: 'GET http://other/x', kind: 'external', method: 'GET', url: 'http://other/x', deadlineAt: null, stalled: true })],
    });
    const problems = callsProblems(s, reveal);
    // Keyed by call name (a retry of an aborted call is the same problem); one state, one severity.
    expect(problems.map((p) => [p.id, p.state, p.severity, p.label, p.detail])).toEqual([
      [
        'calls:listener:acquireJobs:stalled',
        'stalled',
        'error',
        'acquireJobs (POST /acquirejobs): stalled',
        'no answer yet · deadline 30 s · POST http://127.0.0.1:8181/acquirejobs',
      ],
      ['calls:process:GET http://other/x:stalled', 'stalled', 'error', 'GET http://other/x: stalled', 'no answer yet · no deadline known · GET http://other/x'],
    ]);
    expect(problems[0]!.fixes.map((f) => [f.command, f.args])).toEqual([
      ['flakeDoctor.calls.break', ['c7']],
      ['flakeDoctor.calls.probe', []],
    ]);
  });

  it('a listener failing run after run (or given up) is a problem, a single failed run is not', () => {
    const err = { name: 'TransportError', message: 'ECONNREFUSED', callName: 'exchangeToken', status: null, at: T0 };
    expect(callsProblems(state({ listener: listener({ state: 'backoff', consecutiveFailures: 1, lastError: err }) }), reveal)).toEqual([]);
    const [p] = callsProblems(state({ listener: listener({ state: 'backoff', consecutiveFailures: 3, lastError: err }) }), reveal);
    expect([p?.state, p?.label, p?.detail]).toEqual([
      'listener-failing',
      'http://127.0.0.1:8181: listener failing',
      '3 runs failed in a row · exchangeToken: ECONNREFUSED',
    ]);
    expect(callsProblems(state({ listener: listener({ state: 'failed', lastError: err }) }), reveal)[0]?.fixes.map((f) => f.command)).toEqual([
      'flakeDoctor.calls.probe',
      'flakeDoctor.calls.restart',
    ]);
  });
});
