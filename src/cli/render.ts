// The report as text for a person: grouped by area, most serious first, each problem with the
// process to blame on its own line. Colour only when asked for (a TTY without NO_COLOR), so a
// CI log or a pipe gets plain text.

import { STATE_WORDS, type DoctorProblem, type ProblemArea } from '../core/doctor/problem';
import type { DoctorReport } from '../core/doctor/report';

export interface Style {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
export const COLOUR: Style = { red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39), bold: wrap(1, 22), dim: wrap(2, 22) };
const id = (s: string) => s;
export const PLAIN: Style = { red: id, yellow: id, green: id, bold: id, dim: id };

/** Colour for a TTY unless NO_COLOR is set; FORCE_COLOR (not 0) forces it anywhere. */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

const AREA_TITLE: Record<ProblemArea, string> = {
  loopback: 'Loopback addresses',
  locks: 'Restart locks',
  sessions: 'WebSocket sessions',
  calls: 'Broker and HTTP calls',
};

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function problemLines(p: DoctorProblem, style: Style): string[] {
  const mark = p.severity === 'error' ? style.red('✖') : style.yellow('⚠');
  const lines = [`  ${mark} ${style.bold(STATE_WORDS[p.state])}  ${p.message}`];
  if (p.culprit) lines.push(style.dim(`      culprit: pid ${p.culprit.pid}${p.culprit.command ? `  ${p.culprit.command}` : ''}`));
  if (p.process && p.process.pid !== p.culprit?.pid)
    lines.push(style.dim(`      in process: pid ${p.process.pid}${p.process.command ? `  ${p.process.command}` : ''}`));
  return lines;
}

export function renderReport(report: DoctorReport, style: Style = PLAIN): string {
  const errors = report.problems.filter((p) => p.severity === 'error').length;
  const scope = [
    `${report.loopback.first}–${report.loopback.last}, probe ports ${report.loopback.probePorts.join(', ')}`,
    plural(report.locks.length, 'lock'),
    plural(report.processes.length, 'attached process', 'attached processes'),
  ].join(' · ');
  const out: string[] = [];
  if (report.problems.length === 0) {
    out.push(`${style.green('✔')} Flake Doctor: nothing found ${style.dim(`(${scope})`)}`);
  } else {
    out.push(
      `${style.bold('Flake Doctor')}: ${plural(report.problems.length, 'problem')} (${plural(errors, 'error')}, ${plural(report.problems.length - errors, 'warning')}) ${style.dim(`(${scope})`)}`,
    );
    for (const area of ['loopback', 'locks', 'sessions', 'calls'] as const) {
      const mine = report.problems.filter((p) => p.area === area);
      if (mine.length === 0) continue;
      out.push('', style.bold(AREA_TITLE[area]));
      for (const p of mine) out.push(...problemLines(p, style));
    }
  }
  if (report.errors.length) {
    out.push('', style.yellow('Could not check:'));
    for (const e of report.errors) out.push(`  - ${e}`);
  }
  return out.join('\n') + '\n';
}
