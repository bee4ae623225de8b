import type { Problem } from '../problems/problemCenter';
import { BREAK_SESSION_COMMAND } from './commands/breakSession';
import { PROBE_SESSION_COMMAND } from './commands/probeSession';
import { START_RELAY_COMMAND } from './commands/startRelay';
import { remoteOf } from './sessionFormat';
import type { SessionsState } from './sessionsModel';

/** Status-bar problems: unhealthy sessions (with Probe and Break as fixes) and a relay that failed to start. */
export function sessionsProblems(state: SessionsState, reveal: (sessionId: string) => Promise<void>): Problem[] {
  const problems: Problem[] = state.sessions
    .filter((c) => c.health === 'warning')
    .map((c) => ({
      // Keyed by the kinds of trouble, not their numbers, so a growing backlog does not flicker the list.
      id: `sessions:${c.session.id}:${c.issues.map((i) => i.kind).join('+')}`,
      source: 'sessions',
      label: `${c.session.id} (${remoteOf(c.session)}): ${c.issues.map((i) => i.kind.replace('-', ' ')).join(', ')}`,
      detail: c.issues.map((i) => i.message).join('; '),
      reveal: () => reveal(c.session.id),
      fixes: [
        { label: '$(pulse) Probe (PING now)', command: PROBE_SESSION_COMMAND, args: [c.session.id] },
        { label: '$(debug-disconnect) Break (close the session)…', command: BREAK_SESSION_COMMAND, args: [c.session.id] },
      ],
    }));
  if (state.status === 'failed' && state.error) {
    problems.push({
      id: 'sessions:relay-failed',
      source: 'sessions',
      label: 'WebSocket relay is not running',
      detail: state.error,
      fixes: [{ label: '$(play) Start Relay', command: START_RELAY_COMMAND, args: [] }],
    });
  }
  return problems;
}
