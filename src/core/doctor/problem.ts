// The one problem model every front end renders: the VS Code status bar and views, the
// `flake-doctor doctor` report (text and JSON), and the vitest plugin's failure sections.
// One vocabulary of states, one severity per state.

/** Which view (and which part of the doctor's report) a problem belongs to. */
export type ProblemArea = 'loopback' | 'locks' | 'sessions' | 'calls';

/**
 * Every state that is a problem, by area. A state has exactly one severity (PROBLEM_SEVERITY),
 * used by the tree icon, the problem list, the log, the README and the doctor's JSON alike.
 */
export type ProblemState =
  // loopback
  | 'conflict'
  | 'dead-holder'
  | 'parked'
  | 'pool-unreadable'
  | 'listen-in-use'
  | 'orphaned-server'
  // locks
  | 'stale'
  | 'corrupt'
  | 'orphaned-mutex'
  | 'orphaned-reclaim'
  | 'lock-unreadable'
  // sessions
  | 'write-overdue'
  | 'missed-pongs'
  | 'backlog'
  | 'relay-failed'
  | 'silent'
  // calls
  | 'stalled'
  | 'listener-failing';

export type ProblemSeverity = 'error' | 'warning';

export const PROBLEM_SEVERITY: Record<ProblemState, ProblemSeverity> = {
  conflict: 'error',
  'dead-holder': 'warning',
  parked: 'warning',
  'pool-unreadable': 'error',
  'listen-in-use': 'error',
  'orphaned-server': 'warning',
  stale: 'warning',
  corrupt: 'error',
  'orphaned-mutex': 'warning',
  'orphaned-reclaim': 'warning',
  'lock-unreadable': 'error',
  'write-overdue': 'error',
  'missed-pongs': 'warning',
  backlog: 'warning',
  'relay-failed': 'error',
  silent: 'warning',
  stalled: 'error',
  'listener-failing': 'error',
};

/**
 * The words for each state, used wherever a person reads it: tree rows, tooltips, the problem
 * list, the log, the README's states tables and the doctor's text report. The JSON report
 * carries the state id itself.
 */
export const STATE_WORDS: Record<ProblemState, string> = {
  conflict: 'conflict',
  'dead-holder': 'dead holder',
  parked: 'parked',
  'pool-unreadable': 'pool file unreadable',
  'listen-in-use': 'address in use',
  'orphaned-server': 'orphaned server',
  stale: 'stale',
  corrupt: 'corrupt',
  'orphaned-mutex': 'orphaned .mutex',
  'orphaned-reclaim': 'orphaned .reclaim',
  'lock-unreadable': 'cannot be inspected',
  'write-overdue': 'write overdue',
  'missed-pongs': 'missed PONGs',
  backlog: 'backlogged',
  'relay-failed': 'relay not running',
  silent: 'silent past heartbeat',
  stalled: 'stalled',
  'listener-failing': 'listener failing',
};

/** The most severe of some states ('error' over 'warning'); null for none. */
export function worstSeverity(states: Iterable<ProblemState>): ProblemSeverity | null {
  let worst: ProblemSeverity | null = null;
  for (const s of states) {
    if (PROBLEM_SEVERITY[s] === 'error') return 'error';
    worst = 'warning';
  }
  return worst;
}

/** A process named next to a problem: the one causing it, or the one it happens in. */
export interface ProcessRef {
  pid: number;
  command: string | null;
}

export interface DoctorProblem {
  /** Stable across runs while the problem lasts (no ages in it), so lists do not flicker. */
  id: string;
  area: ProblemArea;
  state: ProblemState;
  severity: ProblemSeverity;
  /** What the problem is about: an address, a lock path, a session, a call URL. */
  subject: string;
  /** One line for a person, distinguishing fact first. */
  message: string;
  /** The process that causes it, where one is known (a lingering listener, a dead holder). */
  culprit: ProcessRef | null;
  /** For problems inside an attached process: that process. */
  process?: ProcessRef;
  /** The bridge target to act on (a call or session id from the process's snapshot). */
  target?: string;
}

export function problem(fields: Omit<DoctorProblem, 'severity'>): DoctorProblem {
  return { ...fields, severity: PROBLEM_SEVERITY[fields.state] };
}
