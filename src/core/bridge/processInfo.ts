// What a publishing process says about itself, and the start identity that makes its socket
// name unique to this incarnation of its pid.

import { osProcessFacts } from '../process';
import type { BridgeProcessInfo } from './types';

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLineOf(argv: readonly string[]): string {
  return argv.map(quote).join(' ');
}

/** `threadId` comes from `node:worker_threads`, which the caller loads only once it publishes. */
export function ownProcessInfo(via: BridgeProcessInfo['via'], threadId: number): BridgeProcessInfo {
  const argv = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  return {
    pid: process.pid,
    threadId,
    startedAt: Math.round(performance.timeOrigin),
    command: commandLineOf(argv),
    argv,
    cwd: safeCwd(),
    nodeVersion: process.version,
    via,
  };
}

function safeCwd(): string {
  try {
    return process.cwd();
  } catch {
    return '';
  }
}

/**
 * The process's start identity: its start time in clock ticks since boot where /proc has it
 * (what discovery can check against the live pid), else its start in epoch ms. Worker threads
 * share the process's identity.
 */
export function ownStartIdentity(): string {
  const ticks = osProcessFacts.startTime(process.pid);
  if (ticks !== null) return ticks.toString(36);
  return `m${Math.round(performance.timeOrigin).toString(36)}`;
}

/**
 * Whether a live `pid` is still the incarnation that wrote `identity`: true, false, or null
 * where this platform cannot tell (no /proc, or an identity in epoch ms).
 */
export function sameIncarnation(pid: number, identity: string): boolean | null {
  if (identity.startsWith('m')) return null;
  const ticks = osProcessFacts.startTime(pid);
  return ticks === null ? null : ticks.toString(36) === identity;
}
