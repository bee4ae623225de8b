// How an attached process is named in rows, confirmations and tooltips. Pure (no `vscode`).
// The distinguishing fact comes first: the script, shortened from the left so its name stays.

import { basename, isAbsolute, relative } from 'node:path';
import type { BridgeProcessEntry, BridgeSnapshot } from '../../core/bridge';
import { formatDuration, inlineCode, shortenLeft, truncate } from '../common/format';

/** Options a node command line can carry before the script (those that take a value). */
const OPTIONS_WITH_VALUE = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-e',
  '--eval',
  '-p',
  '--print',
  '--conditions',
  '-C',
  '--inspect-port',
  '--title',
  '--env-file',
]);

/** Splits a command line the way processInfo.commandLineOf joined it (single quotes). */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (let m = re.exec(command); m; m = re.exec(command)) out.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]);
  return out;
}

/** The script a node command runs (null for `node -e`, the REPL, or `node --test` without files). */
export function scriptOf(argv: readonly string[]): string | null {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (OPTIONS_WITH_VALUE.has(a)) {
      if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') return null;
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return a;
  }
  return null;
}

/**
 * A short name for the process: its script relative to the workspace (or the script's base
 * name when outside it), with well-known runner entry points named after their runner.
 */
export function shortScript(argv: readonly string[], workspaceRoot: string | null): string {
  const script = scriptOf(argv);
  if (!script) return argv.includes('--test') ? 'node --test' : basename(argv[0] ?? 'node');
  const runner = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(script);
  if (runner) return `${runner[1]} (${basename(script)})`;
  if (workspaceRoot && isAbsolute(script)) {
    const rel = relative(workspaceRoot, script);
    if (!rel.startsWith('..')) return rel;
  }
  return isAbsolute(script) ? basename(script) : script;
}

export { shortenLeft };

export function processName(entry: BridgeProcessEntry, snapshot: BridgeSnapshot | null, workspaceRoot: string | null): string {
  const argv = snapshot?.process.argv ?? splitCommand(entry.command);
  const thread = entry.threadId ? ` thread ${entry.threadId}` : '';
  return `pid ${entry.pid}${thread} · ${shortScript(argv, workspaceRoot)}`;
}

/** What a confirmation names: the pid and the full command line (shortened from the left only if huge). */
export function processForConfirmation(entry: BridgeProcessEntry): string {
  return `pid ${entry.pid}${entry.threadId ? ` (thread ${entry.threadId})` : ''}: ${shortenLeft(entry.command, 400)}`;
}

export function processTooltipMarkdown(entry: BridgeProcessEntry, snapshot: BridgeSnapshot | null, now: number): string {
  const lines = [`**Attached process ${entry.pid}**${entry.threadId ? ` (worker thread ${entry.threadId})` : ''}\n`, '| | |\n|---|---|'];
  lines.push(`| command | ${inlineCode(truncate(entry.command, 600))} |`);
  if (entry.cwd) lines.push(`| cwd | ${inlineCode(entry.cwd)} |`);
  if (entry.startedAt) lines.push(`| started | ${new Date(entry.startedAt).toISOString()} (${formatDuration(now - entry.startedAt)} ago) |`);
  if (snapshot) {
    lines.push(
      `| attached by | ${snapshot.process.via === 'register' ? 'the register module (auto-attach or --import)' : snapshot.process.via === 'env' ? 'FLAKE_DOCTOR_BRIDGE=1' : 'startBridge()'} |`,
    );
    lines.push(`| node | ${snapshot.process.nodeVersion} |`);
    lines.push(
      `| publishes | ${snapshot.httpCalls.length} HTTP calls, ${snapshot.relays.length} relays, ${snapshot.listeners.length} listeners, ${snapshot.leases.length} leases, ${snapshot.locks.length} locks |`,
    );
  }
  lines.push(`| socket | ${inlineCode(entry.socketPath)} |`);
  return lines.join('\n');
}
