import type { CallSnapshot } from '../../core/listener';
import { ownProblem, type Problem } from '../problems/problem';
import { callTarget, formatBound } from './callsFormat';
import type { CallsState } from './callsModel';
import { BREAK_CALL_COMMAND, PROBE_BROKER_COMMAND, RESTART_LISTENER_COMMAND } from './commands/commandIds';

/** A listener that failed this many runs in a row cannot reach (or use) its broker. */
const FAILING_RUNS = 3;

/**
 * Status-bar problems: every stalled call in flight (fix: Break, which aborts it so the listener
 * retries; Probe, to see whether the broker answers at all) and a listener that keeps failing.
 * A stalled call is keyed by its name, not its id: the listener's retry of an aborted call is a
 * new call, but the same problem, and must not flicker the count. No ages in the detail either.
 */
export function callsProblems(state: CallsState, reveal: (callId: string) => Promise<void>): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  const stalled = (calls: CallSnapshot[]) => calls.filter((c) => c.stalled && c.outcome === null);
  for (const call of [...stalled(state.listener?.calls.inFlight ?? []), ...stalled(state.processCalls)]) {
    const key = `${call.kind === 'external' ? 'process' : 'listener'}:${call.name}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    const deadline = call.deadlineAt !== null ? `deadline ${formatBound(call.deadlineAt - call.startedAt)}` : 'no deadline known';
    problems.push(
      ownProblem({
        id: `calls:${key}:stalled${n > 1 ? `#${n}` : ''}`,
        source: 'calls',
        state: 'stalled',
        subject: call.kind === 'external' ? call.name : `${call.name} (${callTarget(call)})`,
        detail: `${call.phase === 'awaiting-headers' ? 'no answer yet' : 'body incomplete'} · ${deadline} · ${call.method} ${call.url}`,
        reveal: () => reveal(call.id),
        fixes: [
          { label: '$(debug-stop) Break (abort the call; the listener retries)…', command: BREAK_CALL_COMMAND, args: [call.id] },
          { label: '$(pulse) Probe the Broker', command: PROBE_BROKER_COMMAND, args: [] },
        ],
      }),
    );
  }
  const l = state.listener;
  if (l && (l.state === 'failed' || (l.state === 'backoff' && l.consecutiveFailures >= FAILING_RUNS))) {
    const why = l.state === 'failed' ? 'gave up' : `${l.consecutiveFailures} runs failed in a row`;
    problems.push(
      ownProblem({
        id: 'calls:listener:failing',
        source: 'calls',
        state: 'listener-failing',
        subject: l.brokerUrl,
        detail: `${why}${l.lastError ? ` · ${l.lastError.callName ? `${l.lastError.callName}: ` : ''}${l.lastError.message}` : ''}`,
        fixes: [
          { label: '$(pulse) Probe the Broker', command: PROBE_BROKER_COMMAND, args: [] },
          { label: '$(debug-restart) Restart (new session)…', command: RESTART_LISTENER_COMMAND, args: [] },
        ],
      }),
    );
  }
  return problems;
}
