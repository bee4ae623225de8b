// `--format github` as rendered: GitHub keeps 10 annotations of each kind per step, so the
// most severe go first and the 10th says how many more there are; escaping keeps each
// annotation one command; the summary table lists every problem.
import { describe, expect, it } from 'vitest';
import { ANNOTATIONS_PER_KIND, escapeData, escapeProperty, githubAnnotations, githubSummary } from '../../src/cli/github';
import { problem, type DoctorProblem } from '../../src/core/doctor/problem';
import { countByArea, sortProblems, type DoctorReport } from '../../src/core/doctor/report';

function report(problems: DoctorProblem[], errors: string[] = []): DoctorReport {
  const sorted = sortProblems(problems);
  return {
    schemaVersion: 1,
    generator: 'flake-doctor',
    generatedAt: new Date(0).toISOString(),
    durationMs: 1,
    summary: { problems: sorted.length, errors: sorted.filter((p) => p.severity === 'error').length, byArea: countByArea(sorted) },
    problems: sorted,
    loopback: { first: '127.0.0.2', last: '127.0.0.3', probePorts: [9926], poolFiles: [], scanError: null },
    locks: [],
    processes: [],
    errors,
  };
}

const conflict = (i: number) =>
  problem({
    id: `c${i}`,
    area: 'loopback',
    state: 'conflict',
    subject: `127.0.0.${i + 10}`,
    message: `second listener ${i}`,
    culprit: { pid: 1000 + i, command: 'node server.js' },
  });
const stale = (i: number) => problem({ id: `s${i}`, area: 'locks', state: 'stale', subject: `/locks/${i}.lock`, message: `stale ${i}`, culprit: null });
const stalled = (i: number) =>
  problem({
    id: `t${i}`,
    area: 'calls',
    state: 'stalled',
    subject: `GET http://127.0.0.1:80/${i}`,
    message: `stalled ${i}`,
    culprit: null,
    process: { pid: 77, command: 'vitest' },
  });

describe('annotations', () => {
  it('at most 10 of each kind, errors first in severity order, the 10th counting the rest', () => {
    const problems = [
      ...Array.from({ length: 12 }, (_, i) => stale(i)),
      ...Array.from({ length: 8 }, (_, i) => conflict(i)),
      ...Array.from({ length: 15 }, (_, i) => stalled(i)),
    ];
    const lines = githubAnnotations(report(problems)).trimEnd().split('\n');
    const errors = lines.filter((l) => l.startsWith('::error '));
    const warnings = lines.filter((l) => l.startsWith('::warning '));
    expect(errors).toHaveLength(ANNOTATIONS_PER_KIND);
    expect(warnings).toHaveLength(ANNOTATIONS_PER_KIND);
    expect(lines).toHaveLength(20);
    // Errors come out before warnings; loopback conflicts (area order) before stalled calls.
    expect(lines.indexOf(errors[9])).toBeLessThan(lines.indexOf(warnings[0]));
    expect(errors.slice(0, 8).every((l) => l.includes('conflict'))).toBe(true);
    expect(errors[8]).toContain('stalled');
    expect(errors[9]).toBe(
      '::error title=Flake Doctor%3A 14 more errors::14 more errors not annotated (GitHub keeps 10 per step): stalled. Every problem is in the job summary and the log.',
    );
    expect(warnings[9]).toContain('3 more warnings not annotated');
  });

  it('exactly 10 of a kind are all annotated, with no count line', () => {
    const lines = githubAnnotations(report(Array.from({ length: 10 }, (_, i) => stale(i))))
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(10);
    expect(lines.every((l) => !l.includes('more warnings'))).toBe(true);
  });

  it('one problem is one command line: the title names state and subject, the message carries culprit and process', () => {
    const p = problem({
      id: 'x',
      area: 'calls',
      state: 'stalled',
      subject: 'GET http://127.0.0.1:8080/a,b',
      message: '100% stuck\nsecond line',
      culprit: { pid: 5, command: 'node broker.js' },
      process: { pid: 6, command: 'vitest' },
    });
    expect(githubAnnotations(report([p]))).toBe(
      '::error title=Flake Doctor%3A stalled · GET http%3A//127.0.0.1%3A8080/a%2Cb::100%25 stuck%0Asecond line%0Aculprit: pid 5 (node broker.js)%0Ain process: pid 6 (vitest)\n',
    );
    expect(escapeData('a\r\nb%')).toBe('a%0D%0Ab%25');
    expect(escapeProperty('a:b,c')).toBe('a%3Ab%2Cc');
  });

  it('what could not be checked is a warning too; nothing at all is no output', () => {
    expect(githubAnnotations(report([], ['no socket table']))).toBe('::warning title=Flake Doctor%3A could not check::no socket table\n');
    expect(githubAnnotations(report([]))).toBe('');
  });
});

describe('job summary', () => {
  it('a table row for every problem, cells escaped so each stays one row', () => {
    const problems = [...Array.from({ length: 12 }, (_, i) => stale(i)), conflict(1), problem({ ...stale(99), message: 'a | b\nc' })];
    const md = githubSummary(report(problems, ['bridge dir unreadable']));
    expect(md).toContain('## Flake Doctor');
    expect(md).toContain('**14 problems** (1 error).');
    const rows = md.split('\n').filter((l) => l.startsWith('| 🔴') || l.startsWith('| 🟡'));
    expect(rows).toHaveLength(14);
    expect(rows[0]).toContain('| 🔴 | conflict | loopback | `127.0.0.11` | second listener 1 | pid 1001 (node server.js) |');
    expect(md).toContain('a \\| b<br>c');
    expect(md).toContain('- bridge dir unreadable');
  });

  it('nothing found says so', () => {
    expect(githubSummary(report([]))).toContain('No infrastructure problem found.');
  });
});
