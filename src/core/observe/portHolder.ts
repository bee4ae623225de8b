// Who holds a TCP port, found synchronously from /proc: a failed listen is described before
// the user's own 'error' handler runs (Node emits it on the next tick), so the record is whole
// even when that handler ends the process. Only failed listens pay for this walk.

import { readFileSync } from 'node:fs';
import { isWildcardAddress, parseProcNetTcp, TCP_LISTEN, type ProcNetSocket } from '../allocator/procNet';
import { SocketOwnerIndex } from '../allocator/socketOwners';
import { osProcessFacts, type ProcessTable } from '../process';

export interface PortHolder {
  /** The holder's pid; null where /proc does not say (another user's process, another namespace). */
  pid: number | null;
  command: string | null;
  /** Start time in clock ticks since boot: names this incarnation of the pid (a Break checks it). */
  startTime: number | null;
  /** The address the holder listens on (a wildcard holder blocks every address on its port). */
  address: string;
}

function readSockets(procRoot: string): ProcNetSocket[] {
  const out: ProcNetSocket[] = [];
  for (const [file, family] of [
    ['tcp', 4],
    ['tcp6', 6],
  ] as const) {
    try {
      out.push(...parseProcNetTcp(readFileSync(`${procRoot}/net/${file}`, 'utf8'), family));
    } catch {
      // No IPv6, or no /proc at all: the holder stays unknown rather than guessed.
    }
  }
  return out;
}

function normalise(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** Whether a listener on `held` blocks a bind on `wanted` (same address, or either is a wildcard). */
function blocks(held: string, wanted: string | null): boolean {
  if (wanted === null || isWildcardAddress(wanted) || isWildcardAddress(held)) return true;
  return normalise(held) === normalise(wanted);
}

/**
 * The process listening on `port` in a way that blocks a bind on `address` (null: any address).
 * An exact address match is preferred over a wildcard one. Null when nothing listens there.
 */
export function findPortHolder(port: number, address: string | null, options: { procRoot?: string; facts?: ProcessTable } = {}): PortHolder | null {
  const procRoot = options.procRoot ?? '/proc';
  const facts = options.facts ?? osProcessFacts;
  const candidates = readSockets(procRoot).filter((s) => s.state === TCP_LISTEN && s.port === port && blocks(s.address, address));
  if (candidates.length === 0) return null;
  candidates.sort((a, b) => Number(isWildcardAddress(a.address)) - Number(isWildcardAddress(b.address)));
  const owners = new SocketOwnerIndex(procRoot).resolve(new Set(candidates.map((s) => s.inode)));
  const best = candidates.find((s) => owners.has(s.inode)) ?? candidates[0]!;
  const pid = owners.get(best.inode) ?? null;
  return {
    pid,
    command: pid === null ? null : facts.commandLine(pid),
    startTime: pid === null ? null : facts.startTime(pid),
    address: normalise(best.address),
  };
}
