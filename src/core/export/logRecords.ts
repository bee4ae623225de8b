// What Flake Doctor tells a collector: one log record per problem (flake_doctor.problem), per
// failed test (flake_doctor.test_failure) and per culprit of a failed test
// (flake_doctor.test_culprit: one record each, so a backend can rank culprits across runs with
// a plain GROUP BY). Standard attribute names where one exists (test.*, server.*); everything
// of ours under flake_doctor.*, the culprit's pid and command under flake_doctor.culprit.*
// (the emitter's process.* would describe the doctor, not the culprit).

import type { DoctorProblem, ProcessRef } from '../doctor/problem';
import type { Attributes } from './resource';

export const EVENT = { problem: 'flake_doctor.problem', testFailure: 'flake_doctor.test_failure', testCulprit: 'flake_doctor.test_culprit' } as const;

/** OTLP SeverityNumber values used here (logs data model). */
export const SEVERITY = { WARN: 13, ERROR: 17 } as const;

export interface LogRecordData {
  timeUnixNano: bigint;
  eventName: string;
  severityNumber: number;
  severityText: string;
  body: string;
  attributes: Attributes;
}

/** A failed test with its culprits, as the vitest plugin's report carries it. */
export interface FailedTest {
  file: string;
  test: string;
  pid: number | null;
  errors: readonly string[];
  culprits: readonly { kind: string; subject: string; message: string; culprit: ProcessRef | null }[];
}

/** server.address / server.port of a subject: `METHOD url`, a URL, `address:port` or a bare address. */
export function serverOf(subject: string): Attributes {
  const text = subject.replace(/^[A-Z]+ (?=\S+:\/\/)/, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      const port = url.port ? Number(url.port) : ({ 'http:': 80, 'ws:': 80, 'https:': 443, 'wss:': 443 } as Record<string, number>)[url.protocol];
      return { 'server.address': url.hostname.replace(/^\[|\]$/g, ''), ...(port ? { 'server.port': port } : {}) };
    } catch {
      return {};
    }
  }
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]|::1)(?::(\d{1,5}))?$/i.exec(text);
  if (!m) return {};
  return { 'server.address': m[1].replace(/^\[|\]$/g, ''), ...(m[2] ? { 'server.port': Number(m[2]) } : {}) };
}

function processAttrs(prefix: string, p: ProcessRef | null | undefined): Attributes {
  if (!p) return {};
  return { [`${prefix}.pid`]: p.pid, ...(p.command ? { [`${prefix}.command`]: p.command } : {}) };
}

export function problemRecord(p: DoctorProblem, timeUnixNano: bigint): LogRecordData {
  const severe = p.severity === 'error';
  return {
    timeUnixNano,
    eventName: EVENT.problem,
    severityNumber: severe ? SEVERITY.ERROR : SEVERITY.WARN,
    severityText: severe ? 'ERROR' : 'WARN',
    body: p.message,
    attributes: {
      'flake_doctor.problem.id': p.id,
      'flake_doctor.problem.area': p.area,
      'flake_doctor.problem.state': p.state,
      'flake_doctor.problem.severity': p.severity,
      'flake_doctor.problem.subject': p.subject,
      ...(p.target ? { 'flake_doctor.problem.target': p.target } : {}),
      ...processAttrs('flake_doctor.culprit', p.culprit),
      ...processAttrs('flake_doctor.process', p.process),
      ...serverOf(p.subject),
    },
  };
}

export function failureRecords(f: FailedTest, timeUnixNano: bigint): LogRecordData[] {
  const test: Attributes = { 'test.case.name': f.test, 'test.suite.name': f.file, ...(f.pid !== null ? { 'flake_doctor.worker.pid': f.pid } : {}) };
  const failure: LogRecordData = {
    timeUnixNano,
    eventName: EVENT.testFailure,
    severityNumber: SEVERITY.ERROR,
    severityText: 'ERROR',
    body: f.errors[0] ?? 'test failed',
    attributes: {
      ...test,
      'test.case.result.status': 'fail',
      'flake_doctor.culprit.count': f.culprits.length,
      ...(f.culprits.length ? { 'flake_doctor.culprit.subjects': f.culprits.map((c) => c.subject) } : {}),
      ...(f.errors.length > 1 ? { 'flake_doctor.test.errors': [...f.errors] } : {}),
    },
  };
  const culprits = f.culprits.map((c): LogRecordData => ({
    timeUnixNano,
    eventName: EVENT.testCulprit,
    severityNumber: SEVERITY.WARN,
    severityText: 'WARN',
    body: c.message,
    attributes: {
      ...test,
      'flake_doctor.culprit.kind': c.kind,
      'flake_doctor.culprit.subject': c.subject,
      ...processAttrs('flake_doctor.culprit', c.culprit),
      ...serverOf(c.subject),
    },
  }));
  return [failure, ...culprits];
}
