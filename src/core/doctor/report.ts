// The doctor's report: what `flake-doctor doctor --json` prints and what the vitest plugin
// writes to flake-doctor-report.json. Its shape is published as a JSON Schema
// (schema/doctor-report.schema.json, shipped in the package); a change that removes a field
// or changes its meaning bumps DOCTOR_REPORT_SCHEMA_VERSION, new optional fields do not.

import type { DoctorProblem, ProblemArea } from './problem';

export const DOCTOR_REPORT_SCHEMA_VERSION = 1;

/** An attached (bridge-publishing) process the doctor looked into. */
export interface ReportProcess {
  pid: number;
  threadId: number;
  command: string;
  /** ok: its snapshot was read; unreachable: it did not answer within the timeout. */
  status: 'ok' | 'unreachable';
  error: string | null;
  /** What it holds or waits for right now: lock paths and leased addresses. */
  waitingForLocks: string[];
  heldLocks: string[];
  leases: string[];
}

export interface ReportLock {
  lockPath: string;
  state: 'free' | 'held' | 'stale' | 'dead-holder' | 'corrupt' | 'unreadable';
  summary: string;
}

export interface DoctorReport {
  schemaVersion: typeof DOCTOR_REPORT_SCHEMA_VERSION;
  generator: 'flake-doctor';
  /** ISO 8601. */
  generatedAt: string;
  durationMs: number;
  summary: { problems: number; errors: number; byArea: Record<ProblemArea, number> };
  /** Most serious first (errors before warnings), then by area. */
  problems: DoctorProblem[];
  loopback: { first: string; last: string; probePorts: number[]; poolFiles: string[]; scanError: string | null };
  locks: ReportLock[];
  processes: ReportProcess[];
  /** Parts of the diagnosis that could not be made (no socket table, an unreadable bridge directory). */
  errors: string[];
}

const AREA_ORDER: ProblemArea[] = ['loopback', 'locks', 'sessions', 'calls'];

export function sortProblems(problems: readonly DoctorProblem[]): DoctorProblem[] {
  return [...problems].sort(
    (a, b) =>
      Number(a.severity !== 'error') - Number(b.severity !== 'error') ||
      AREA_ORDER.indexOf(a.area) - AREA_ORDER.indexOf(b.area) ||
      a.subject.localeCompare(b.subject),
  );
}

export function countByArea(problems: readonly DoctorProblem[]): Record<ProblemArea, number> {
  const counts: Record<ProblemArea, number> = { loopback: 0, locks: 0, sessions: 0, calls: 0 };
  for (const p of problems) counts[p.area]++;
  return counts;
}
