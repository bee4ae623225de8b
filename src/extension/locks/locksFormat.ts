import { homedir } from 'node:os';
import { basename, relative, sep } from 'node:path';
import type { AuxFileSnapshot, HolderSnapshot, LockState, RestartLockSnapshot } from '../../core/lock';
import { coarseAge, formatAge, formatDuration, inlineCode, shortenLeft, truncate } from '../common/format';
import { orphanedFiles, type AuxKind } from './orphanedFiles';

export { coarseAge, formatAge };

/**
 * The text of the view's rows, tooltips and reports, from a lock snapshot and a clock. Pure
 * (no `vscode`), so what a row says is unit-tested, and the tree can compare rendered text
 * to decide whether anything on screen changed. Nothing here judges a lock: the state comes
 * from the core's snapshot.
 */

export const STATE_LABEL: Record<LockState, string> = {
  free: 'free',
  held: 'held',
  stale: 'stale',
  'dead-holder': 'dead holder',
  corrupt: 'corrupt',
};

export interface WorkspaceFolderRef {
  name: string;
  path: string;
}

/** Relative to its workspace folder (prefixed by the folder's name when there are several), else the absolute path with `~`. */
export function lockLabel(lockPath: string, folders: readonly WorkspaceFolderRef[]): string {
  for (const folder of folders) {
    const rel = relative(folder.path, lockPath);
    if (rel && !rel.startsWith('..') && !rel.startsWith(sep)) return folders.length > 1 ? `${folder.name}/${rel}` : rel;
  }
  const home = homedir();
  return lockPath.startsWith(home + sep) ? `~${lockPath.slice(home.length)}` : lockPath;
}

/** What is wrong with a lock, as short phrases; empty when it is free or held and tidy. */
export function lockProblems(s: RestartLockSnapshot): string[] {
  const problems: string[] = [];
  if (s.state === 'stale' || s.state === 'dead-holder' || s.state === 'corrupt') problems.push(STATE_LABEL[s.state]);
  for (const kind of orphanedFiles(s)) problems.push(`orphaned .${kind}`);
  return problems;
}

export function holderAge(h: HolderSnapshot, now: number): number | null {
  return h.ageMs === null ? null : Math.max(0, now - h.timestamp);
}

/** Whether the holder runs, in words, from the core's liveness verdict. */
export function holderStatus(h: HolderSnapshot): string {
  const status = livenessWords(h);
  return h.assumedLocal
    ? `${status} (origin-format lock: no host recorded, taken to be this machine's process because the lock is on a local file system)`
    : status;
}

function livenessWords(h: HolderSnapshot): string {
  switch (h.liveness) {
    case 'alive':
      return 'running';
    case 'dead':
      return 'gone: no process has this pid';
    case 'pid-reused':
      return 'gone: the pid now belongs to another process';
    case 'rebooted':
      return 'gone: the lock was taken before the last reboot';
    case 'other-host':
      return `on host ${h.host ?? 'unknown'}: cannot be checked from here (age decides)`;
    case 'unverifiable':
      return `not verifiable (origin-format lock on a file system not known to be local, age decides); pid ${h.pid} is ${h.alive ? 'running' : 'not running'} here`;
  }
}

export function lockDescription(s: RestartLockSnapshot, now: number): string {
  const parts = [STATE_LABEL[s.state]];
  const h = s.holder;
  if (h) {
    parts.push(`pid ${h.pid}`);
    const age = holderAge(h, now);
    if (age !== null) parts.push(coarseAge(age));
    if (h.commandLine) parts.push(shortenLeft(h.commandLine, 60));
  } else if (s.state === 'corrupt' && s.corruptReason) {
    parts.push(truncate(s.corruptReason, 60));
  }
  for (const kind of orphanedFiles(s)) parts.push(`orphaned .${kind}`);
  return parts.join(' · ');
}

export function lockAccessibility(label: string, s: RestartLockSnapshot, now: number): string {
  return `${label}, ${lockDescription(s, now).replace(/ · /g, ', ')}`;
}

function auxAge(s: RestartLockSnapshot, aux: AuxFileSnapshot, now: number): number {
  // The snapshot holds the age at inspection; the file's mtime does not move with the clock.
  return Math.max(0, now - (s.inspectedAt - aux.ageMs));
}

function auxHolder(aux: AuxFileSnapshot): string {
  if (aux.holderPid === null) return 'no holder written';
  return `pid ${aux.holderPid} (${aux.holderRunning ? 'running' : 'gone'})`;
}

export function auxDescription(s: RestartLockSnapshot, aux: AuxFileSnapshot, now: number): string {
  return [aux.stale ? 'orphaned' : 'held', auxHolder(aux), coarseAge(auxAge(s, aux, now))].join(' · ');
}

const AUX_ROLE: Record<AuxKind, string> = {
  mutex: 'registry mutex: every transition of the lock runs while it is held, for microseconds',
  reclaim: 'reclaim lock: held while a stale mutex is reaped',
};

export function auxTooltipMarkdown(s: RestartLockSnapshot, kind: AuxKind, aux: AuxFileSnapshot, now: number): string {
  const lines = [`**${basename(aux.path)}** — ${AUX_ROLE[kind]}\n`, `Holder: ${auxHolder(aux)}\n`, `Age (by mtime): ${formatAge(auxAge(s, aux, now))}\n`];
  if (aux.stale) {
    lines.push(
      `$(warning) Older than ${formatDuration(s.thresholds.mutexStaleMs)}: left by a crashed process. ${
        kind === 'mutex' ? 'The next transition (or Break) reaps it under `.reclaim`.' : 'The next reap that needs it clears it.'
      }\n`,
    );
  }
  lines.push(inlineCode(aux.path));
  return lines.join('\n');
}

/** Markdown for the lock tooltip: every fact of the snapshot. */
export function lockTooltipMarkdown(label: string, s: RestartLockSnapshot, now: number): string {
  const lines: string[] = [`**${label}** — ${STATE_LABEL[s.state]}\n`];
  const h = s.holder;
  if (h) {
    const age = holderAge(h, now);
    lines.push('| | |\n|---|---|');
    lines.push(`| holder pid | ${h.pid} |`);
    lines.push(`| holder | ${holderStatus(h)} |`);
    lines.push(`| command line | ${h.commandLine ? inlineCode(h.commandLine) : 'not known'} |`);
    if (h.recordedCommand && h.recordedCommand !== h.commandLine) lines.push(`| recorded command | ${inlineCode(h.recordedCommand)} |`);
    lines.push(`| taken | ${new Date(h.timestamp).toISOString()}${age !== null ? `, ${formatAge(age)} ago` : ''} |`);
    lines.push(`| token | ${inlineCode(h.token)} |`);
    if (h.host) lines.push(`| host | ${inlineCode(h.host)} |`);
    else if (h.assumedLocal) lines.push('| host | not recorded (origin format); this machine, since the lock is on a local file system |');
    if (h.startTime) lines.push(`| process start time | ${h.startTime} |`);
    lines.push('');
  }
  if (s.state === 'corrupt') {
    lines.push(`$(error) Corrupt: ${s.corruptReason ?? 'unreadable'}. Waiters treat it as takeable.\n`);
    if (s.rawContent !== null) lines.push(`Content: ${inlineCode(s.rawContent.length ? s.rawContent : '(empty)')}\n`);
  }
  if (s.state === 'stale') lines.push(`$(warning) Older than the stale threshold (${formatDuration(s.thresholds.staleMs)}): the next waiter takes it over.\n`);
  if (s.state === 'dead-holder') lines.push(`$(warning) Its holder can never release it; the next waiter takes it over at once.\n`);
  for (const kind of orphanedFiles(s)) lines.push(`$(warning) Orphaned \`.${kind}\` file (older than ${formatDuration(s.thresholds.mutexStaleMs)}).\n`);
  if (s.mutex && !s.mutex.stale) lines.push(`A transition is in progress: \`.mutex\` held by ${auxHolder(s.mutex)}.\n`);
  lines.push(`Thresholds: stale after ${formatDuration(s.thresholds.staleMs)}, mutex orphaned after ${formatDuration(s.thresholds.mutexStaleMs)}.\n`);
  lines.push(inlineCode(s.lockPath));
  return lines.join('\n');
}

/** A Probe report: one line, the state first (the toast), and every fact (the log and "Show Details"). */
export function probeReport(label: string, s: RestartLockSnapshot): string {
  return probeReportParts(label, s).line;
}

export function probeReportParts(label: string, s: RestartLockSnapshot): { line: string; details: string } {
  const h = s.holder;
  const details: string[] = [s.summary];
  if (h && s.state !== 'free') details.push(`holder ${holderStatus(h)}`, `token ${h.token}`);
  if (h?.commandLine) details.push(`command line ${h.commandLine}`);
  const line = `Probe ${label}: ${STATE_LABEL[s.state]}${h && s.state !== 'free' ? `, pid ${h.pid}` : ''}${orphanedFiles(s)
    .map((k) => `, orphaned .${k}`)
    .join('')}`;
  return { line, details: `${line}\n\n${details.join('\n')}` };
}

/** Break's confirmation: who holds the lock, since when, and what the break will do. */
export function breakDetail(s: RestartLockSnapshot, now: number): string {
  const lines: string[] = [];
  const h = s.holder;
  if (h) {
    lines.push(`State: ${STATE_LABEL[s.state]}. Holder pid ${h.pid}: ${holderStatus(h)}.`);
    lines.push(`Command line: ${h.commandLine ?? 'not known'}`);
    const age = holderAge(h, now);
    lines.push(`Age: ${age === null ? 'unknown' : formatAge(age)} (taken ${new Date(h.timestamp).toISOString()})`);
    lines.push(`Token: ${h.token}`);
  } else {
    lines.push(`State: ${STATE_LABEL[s.state]}${s.corruptReason ? ` (${s.corruptReason})` : ''}.`);
    if (s.rawContent !== null) lines.push(`Content: ${JSON.stringify(s.rawContent.slice(0, 120))}`);
  }
  for (const kind of orphanedFiles(s)) {
    const aux = kind === 'mutex' ? s.mutex : s.reclaim;
    lines.push(`Orphaned .${kind}${aux?.holderPid != null ? ` of pid ${aux.holderPid}` : ''}, ${formatAge(aux?.ageMs ?? 0)} old.`);
  }
  if (s.state === 'held')
    lines.push('', 'The holder is running and its lock is fresh: a safe break will be refused, and you will be asked again before forcing it.');
  lines.push(
    '',
    'The lock is taken over and removed within one hold of its registry mutex, as a waiting process would; if another process has taken the lock since it was shown, nothing is removed.',
  );
  return lines.join('\n');
}
