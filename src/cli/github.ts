// `flake-doctor doctor --format github`: the report as GitHub Actions workflow commands and a
// Markdown table for the job summary. GitHub shows at most 10 error and 10 warning annotations
// per step and drops the rest silently, so the most severe go first (the report is sorted so)
// and, past the limit, the last annotation of a kind says how many more there are: nothing
// is lost from sight, the summary table and the log list every problem.

import { STATE_WORDS, type DoctorProblem, type ProblemSeverity } from '../core/doctor/problem';
import type { DoctorReport } from '../core/doctor/report';

/** Annotations of one kind GitHub keeps per step. */
export const ANNOTATIONS_PER_KIND = 10;
/** GitHub refuses a step summary over 1 MiB; the table stops short of it. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024 - 4096;

/** Workflow-command message: %, CR and LF are escaped (a newline would end the command). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Workflow-command property value: as data, and `:` and `,` that separate properties. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function who(p: { pid: number; command: string | null }): string {
  return `pid ${p.pid}${p.command ? ` (${p.command})` : ''}`;
}

function annotation(level: ProblemSeverity, title: string, message: string): string {
  return `::${level} title=${escapeProperty(title)}::${escapeData(message)}`;
}

function problemAnnotation(p: DoctorProblem): string {
  const lines = [p.message];
  if (p.culprit) lines.push(`culprit: ${who(p.culprit)}`);
  if (p.process && p.process.pid !== p.culprit?.pid) lines.push(`in process: ${who(p.process)}`);
  return annotation(p.severity, `Flake Doctor: ${STATE_WORDS[p.state]} · ${p.subject}`, lines.join('\n'));
}

/** One workflow command per line: up to 10 errors, then up to 10 warnings, most severe first. */
export function githubAnnotations(report: DoctorReport): string {
  const out: string[] = [];
  for (const level of ['error', 'warning'] as const) {
    const mine = report.problems.filter((p) => p.severity === level);
    const shown = mine.length > ANNOTATIONS_PER_KIND ? mine.slice(0, ANNOTATIONS_PER_KIND - 1) : mine;
    for (const p of shown) out.push(problemAnnotation(p));
    const rest = mine.length - shown.length;
    if (rest > 0) {
      const states = [...new Set(mine.slice(shown.length).map((p) => STATE_WORDS[p.state]))].join(', ');
      out.push(
        annotation(
          level,
          `Flake Doctor: ${rest} more ${level}s`,
          `${rest} more ${level}s not annotated (GitHub keeps ${ANNOTATIONS_PER_KIND} per step): ${states}. Every problem is in the job summary and the log.`,
        ),
      );
    }
  }
  for (const e of report.errors) out.push(`::warning title=${escapeProperty('Flake Doctor: could not check')}::${escapeData(e)}`);
  return out.length ? `${out.join('\n')}\n` : '';
}

/** A table cell: pipes escaped, line breaks as <br>, so one problem stays one row. */
function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** The job summary: one row per problem (every one, not only the annotated ones). */
export function githubSummary(report: DoctorReport): string {
  const { problems, errors } = report;
  const head = ['## Flake Doctor', ''];
  if (problems.length === 0) head.push('✅ No infrastructure problem found.');
  else
    head.push(`**${problems.length} problem${problems.length === 1 ? '' : 's'}** (${report.summary.errors} error${report.summary.errors === 1 ? '' : 's'}).`);
  const rows: string[] = [];
  if (problems.length) {
    rows.push('', '| | State | Area | Subject | What | Culprit | In process |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const p of problems) {
      const mark = p.severity === 'error' ? '🔴' : '🟡';
      const inProcess = p.process && p.process.pid !== p.culprit?.pid ? who(p.process) : '';
      rows.push(
        `| ${mark} | ${cell(STATE_WORDS[p.state])} | ${p.area} | \`${cell(p.subject)}\` | ${cell(p.message)} | ${cell(p.culprit ? who(p.culprit) : '')} | ${cell(inProcess)} |`,
      );
    }
  }
  const tail = errors.length ? ['', '**Could not check:**', ...errors.map((e) => `- ${cell(e)}`)] : [];
  // Keep under GitHub's per-step cap: a summary over it is rejected whole.
  let text = [...head, ...rows].join('\n');
  const budget = SUMMARY_LIMIT_BYTES - Buffer.byteLength([...tail, ''].join('\n'));
  if (Buffer.byteLength(text) > budget) {
    let kept = rows.length;
    while (kept > 3 && Buffer.byteLength([...head, ...rows.slice(0, kept)].join('\n')) > budget - 200) kept--;
    text = [
      ...head,
      ...rows.slice(0, kept),
      '',
      `… ${rows.length - kept} more rows cut to stay under GitHub's 1 MiB step summary limit; the log lists every problem.`,
    ].join('\n');
  }
  return `${[text, ...tail].join('\n')}\n\n`;
}
