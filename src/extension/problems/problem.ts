// A problem as the extension lists it: the core's DoctorProblem (area, state, severity — one
// vocabulary for tree, tooltip, problem list, log, README and the doctor's JSON) plus what the
// editor can do about it. No `vscode` import: the views' problem builders are unit-tested.

import { PROBLEM_SEVERITY, STATE_WORDS, type DoctorProblem, type ProblemArea, type ProblemSeverity, type ProblemState } from '../../core/doctor/problem';

/** Which view a problem belongs to; the status bar counts across all of them. */
export type ProblemSource = ProblemArea;

/** Who reports a list of problems: a view, or the attached processes (whose problems belong to several views). */
export type ProblemSlot = ProblemSource | 'attached';

export interface ProblemFix {
  label: string;
  command: string;
  args: unknown[];
}

export interface Problem {
  /** Stable while the problem lasts (no ages or counts in it), so the list does not flicker. */
  id: string;
  source: ProblemSource;
  state: ProblemState;
  severity: ProblemSeverity;
  /** Subject first, then the state in words: "127.0.0.5: conflict". */
  label: string;
  detail: string;
  reveal?: () => Thenable<void> | Promise<void>;
  fixes: ProblemFix[];
}

/** The list entry for a core problem: its label is "<subject>: <state words>", its detail the core's message. */
export function viewProblem(dp: DoctorProblem, extra: { subject?: string; detail?: string; reveal?: Problem['reveal']; fixes: ProblemFix[] }): Problem {
  return {
    id: dp.id,
    source: dp.area,
    state: dp.state,
    severity: dp.severity,
    label: `${extra.subject ?? dp.subject}: ${STATE_WORDS[dp.state]}`,
    detail: extra.detail ?? dp.message,
    reveal: extra.reveal,
    fixes: extra.fixes,
  };
}

/** A problem the core has no builder for (the extension's own relay and listener), in the same vocabulary. */
export function ownProblem(fields: Omit<Problem, 'severity' | 'label'> & { subject: string }): Problem {
  const { subject, ...rest } = fields;
  return { ...rest, severity: PROBLEM_SEVERITY[fields.state], label: `${subject}: ${STATE_WORDS[fields.state]}` };
}

/** The codicon of a severity: the tree's problem rows and the problem list use the same one. */
export const SEVERITY_ICON: Record<ProblemSeverity, { icon: string; color: string }> = {
  error: { icon: 'error', color: 'list.errorForeground' },
  warning: { icon: 'warning', color: 'list.warningForeground' },
};
