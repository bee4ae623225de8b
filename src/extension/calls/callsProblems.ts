import type { CallSnapshot } from '../../core/listener';
import type { Problem } from '../problems/problemCenter';
import { formatBound, callTarget } from './callsFormat';
import type { CallsState } from './callsModel';
import { BREAK_CALL_COMMAND, PROBE_BROKER_COMMAND, RESTART_LISTENER_COMMAND } from './commands/commandIds';

/** A listener that failed this many runs in a row cannot reach (or use) its broker. */
const FAILING_RUNS = 3;

/**
 * Status-bar problems: every stalled call in flight (fix: Break, which aborts it so the listener
 * retries; Probe, to see whether the broker answers at all) and a listener that keeps failing.
 * The detail holds no ages, so the list does not change every second while a call hangs.
 */
export function callsProblems(state: CallsState, reveal: (callId: string) => Promise<void>): Problem[] {
  const problems: Problem[] = [];
  const stalled = (calls: CallSnapshot[]) => calls.filter((c) => c.stalled && c.outcome === null);
  for (const call of [...stalled(state.listener?.calls.inFlight ?? []), ...stalled(state.processCalls)]) {
    const deadline = call.deadlineAt !== null ? `deadline ${formatBound(call.deadlineAt - call.startedAt)}` : 'no deadline known';
    problems.push({
      id: `calls:${call.id}:stalled`,
      source: 'calls',
      label: `${call.name}: stalled${call.kind === 'external' ? '' : ` (${callTarget(call)})`}`,
      detail: `${call.method} ${call.url} · ${call.phase === 'awaiting-headers' ? 'no answer yet' : 'body incomplete'} · ${deadline}`,
      reveal: () => reveal(call.id),
      fixes: [
        { label: '$(debug-stop) Break (abort the call; the listener retries)…', command: BREAK_CALL_COMMAND, args: [call.id] },
        { label: '$(pulse) Probe the broker', command: PROBE_BROKER_COMMAND, args: [] },
      ],
    });
  }
  const l = state.listener;
  if (l && (l.state === 'failed' || (l.state === 'backoff' && l.consecutiveFailures >= FAILING_RUNS))) {
    problems.push({
      id: `calls:listener:${l.state}`,
      source: 'calls',
      label: l.state === 'failed' ? 'Broker listener gave up' : `Broker listener failing (${l.consecutiveFailures} runs in a row)`,
      detail: l.lastError ? `${l.lastError.callName ? `${l.lastError.callName}: ` : ''}${l.lastError.message}` : l.brokerUrl,
      fixes: [
        { label: '$(pulse) Probe the broker', command: PROBE_BROKER_COMMAND, args: [] },
        { label: '$(debug-restart) Restart (new session)…', command: RESTART_LISTENER_COMMAND, args: [] },
      ],
    });
  }
  return problems;
}
