import type { DoctorProblem } from '../../core/doctor/problem';
import { bridgeProblems } from '../../core/doctor/bridgeProblems';
import type { HealthThresholds } from '../../core/doctor/sessionHealth';
import { viewProblem, type Problem } from '../problems/problem';
import { shortenLeft } from './attachedFormat';
import type { AttachedProcess } from './bridgeModel';
import { ATTACHED_ACTIONS } from './commands/actOnAttached';
import { STOP_SERVER_COMMAND } from '../loopback/commands/commandIds';

/**
 * Status-bar problems inside attached processes, from the core's problem model (the same
 * problems `flake-doctor doctor` reports), with the bridge actions as fixes.
 */
export function attachedProblems(
  processes: readonly AttachedProcess[],
  health: HealthThresholds,
  reveal: (p: DoctorProblem, key: string) => Promise<void>,
): Problem[] {
  const out: Problem[] = [];
  for (const proc of processes) {
    if (!proc.snapshot) continue;
    for (const dp of bridgeProblems(proc.snapshot, health)) {
      const target = dp.target ?? '';
      const args = [proc.key, target, dp.subject];
      const fixes: Problem['fixes'] =
        dp.area === 'sessions'
          ? [
              { label: '$(pulse) Probe (PING now)', command: ATTACHED_ACTIONS.probeSession.id, args },
              { label: '$(debug-disconnect) Break (close the session)…', command: ATTACHED_ACTIONS.breakSession.id, args },
            ]
          : dp.state === 'listen-in-use'
            ? dp.culprit
              ? [{ label: `$(debug-stop) Break (stop holder pid ${dp.culprit.pid})…`, command: STOP_SERVER_COMMAND, args: [dp.subject] }]
              : []
            : dp.state === 'listener-failing'
              ? [
                  { label: '$(pulse) Probe the broker', command: ATTACHED_ACTIONS.probeListener.id, args },
                  { label: '$(debug-restart) Restart the listener…', command: ATTACHED_ACTIONS.restartListener.id, args },
                ]
              : [{ label: `$(debug-stop) Break (abort the call in pid ${proc.entry.pid})…`, command: ATTACHED_ACTIONS.breakCall.id, args }];
      out.push(
        viewProblem(dp, {
          subject: `pid ${proc.entry.pid}: ${dp.subject}`,
          // No ages here (the CLI's message has them): the list must not change while a call hangs.
          detail: `${dp.subject} · in pid ${proc.entry.pid}: ${shortenLeft(proc.entry.command, 120)}${dp.culprit ? ` · culprit pid ${dp.culprit.pid}${dp.culprit.command ? ` (${shortenLeft(dp.culprit.command, 80)})` : ''}` : ''}`,
          reveal: () => reveal(dp, proc.key),
          fixes,
        }),
      );
    }
  }
  return out;
}
