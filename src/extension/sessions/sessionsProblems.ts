import { ownProblem, type Problem } from '../problems/problem';
import { BREAK_SESSION_COMMAND, PROBE_SESSION_COMMAND, START_RELAY_COMMAND } from './commands/commandIds';
import { remoteOf } from './sessionsFormat';
import type { SessionsState } from './sessionsModel';

/**
 * Status-bar problems: one per issue of an unhealthy session (write overdue, missed PONGs,
 * backlogged — the states the doctor reports for attached relays), with Probe and Break as
 * fixes, and a relay that failed to start. Keyed by session and state, never by a count, so a
 * growing backlog does not flicker the list.
 */
export function sessionsProblems(state: SessionsState, reveal: (sessionId: string) => Promise<void>): Problem[] {
  const problems: Problem[] = [];
  for (const c of state.sessions) {
    if (c.health !== 'warning') continue;
    const id = c.session.id;
    for (const issue of c.issues) {
      problems.push(
        ownProblem({
          id: `sessions:${id}:${issue.kind}`,
          source: 'sessions',
          state: issue.kind,
          subject: `${id} (${c.session.role}, ${remoteOf(c.session)})`,
          detail: issue.message,
          reveal: () => reveal(id),
          fixes: [
            { label: '$(pulse) Probe (PING now)', command: PROBE_SESSION_COMMAND, args: [id] },
            { label: '$(debug-disconnect) Break (close the session)…', command: BREAK_SESSION_COMMAND, args: [id] },
          ],
        }),
      );
    }
  }
  if (state.status === 'failed' && state.error) {
    problems.push(
      ownProblem({
        id: 'sessions:relay-failed',
        source: 'sessions',
        state: 'relay-failed',
        subject: 'WebSocket relay',
        detail: state.error,
        fixes: [{ label: '$(play) Start Relay', command: START_RELAY_COMMAND, args: [] }],
      }),
    );
  }
  return problems;
}
