// The orphaned-server detector: a loopback listener held by a process whose test process (the
// attached process that started it, directly or through a shell) has exited — the allocator's
// lingering worker, outside any pool. Run by the doctor and the Loopback view over the socket
// scan they already have; it reads the starters' records (childRecords.ts) and, for a
// grandchild no record names, the environment the listener inherited: the register module puts
// FLAKE_DOCTOR_BRIDGE_ATTACHED_PID=<its pid> into process.env, so every descendant of an
// attached process carries the nearest attached ancestor's pid in /proc/<pid>/environ.
//
// Pid reuse is checked both ways: a recorded child must have the listener's start time, and a
// starter counts as running only while its pid has the start identity it recorded (or, with
// no record, started before the listener did: a process cannot start its elder).

import type { LoopbackListener } from '../allocator/scan';
import { environValue, osProcessFacts, readEnviron, type ProcessTable } from '../process';
import { readChildRecords, removeChildRecords, type LoadedChildRecords } from './childRecords';
import type { TestRef } from './testContext';

/** The variable the register module sets (src/core/bridge/register.ts). */
export const ATTACHED_PID_VARIABLE = 'FLAKE_DOCTOR_BRIDGE_ATTACHED_PID';

export interface OrphanedServer {
  address: string;
  port: number;
  wildcard: boolean;
  /** The process listening. */
  pid: number;
  command: string | null;
  /** Its start time in clock ticks (a Break checks the pid still names this process). */
  startTime: number | null;
  /** The attached process that started it, which has exited. */
  starter: {
    pid: number;
    /** Null when the starter left no record (it could not write one). */
    command: string | null;
    cwd: string | null;
    /** The test running when it started this process (known for a direct child only). */
    test: TestRef | null;
    /** When it started this process (known for a direct child only). */
    startedAt: number | null;
  };
  /** How it was traced: the starter's record of this very process, or the environment it inherited. */
  via: 'record' | 'environment';
}

export interface FindOrphansOptions {
  /** The bridge directory the starters recorded into. */
  dir: string;
  facts?: ProcessTable;
  /** The raw environ block of a pid (injectable for tests); default /proc/<pid>/environ. */
  environOf?: (pid: number) => string | null;
  /** Remove records nothing needs any more (default true). */
  cleanUp?: boolean;
}

function identityOf(ticks: number | null): string | null {
  return ticks === null ? null : ticks.toString(36);
}

/** Whether the starter that wrote `record` still runs: same pid, same start identity where one can tell. */
function starterRuns(record: LoadedChildRecords, facts: ProcessTable): boolean {
  const { pid, start } = record.starter;
  if (!facts.isAlive(pid)) return false;
  if (start.startsWith('m')) return true; // an identity in epoch ms: this platform cannot tell
  const live = identityOf(facts.startTime(pid));
  return live === null || live === start;
}

function startTicks(record: LoadedChildRecords): number | null {
  const { start } = record.starter;
  if (start.startsWith('m')) return null;
  const n = parseInt(start, 36);
  return Number.isFinite(n) ? n : null;
}

export async function findOrphanedServers(listeners: readonly LoopbackListener[], options: FindOrphansOptions): Promise<OrphanedServer[]> {
  const facts = options.facts ?? osProcessFacts;
  const environOf = options.environOf ?? ((pid: number) => readEnviron(pid));
  const records = await readChildRecords(options.dir);
  const used = new Set<LoadedChildRecords>();
  const verdicts = new Map<number, Omit<OrphanedServer, 'address' | 'port' | 'wildcard'> | null>();

  const judge = (pid: number, command: string | null): Omit<OrphanedServer, 'address' | 'port' | 'wildcard'> | null => {
    const liveStart = facts.startTime(pid);
    // A direct child: its starter recorded it, with its start time.
    for (const record of records) {
      const child = record.children.find((c) => c.pid === pid && (c.startTime === null || liveStart === null || c.startTime === liveStart));
      if (!child) continue;
      used.add(record);
      if (starterRuns(record, facts)) return null;
      const { starter } = record;
      return {
        pid,
        command,
        startTime: liveStart,
        starter: { pid: starter.pid, command: starter.command, cwd: starter.cwd || null, test: child.test, startedAt: child.startedAt },
        via: 'record',
      };
    }
    // Further down (a server started through a shell): the attached ancestor it inherited.
    const raw = environOf(pid);
    const value = raw === null ? null : environValue(raw, ATTACHED_PID_VARIABLE);
    const starterPid = value !== null && /^\d+$/.test(value) ? Number(value) : null;
    if (starterPid === null || starterPid === pid) return null;
    // Of that pid's records, the incarnation that started before this process did.
    const candidates = records
      .filter((r) => r.starter.pid === starterPid)
      .filter((r) => {
        const t = startTicks(r);
        return t === null || liveStart === null || t <= liveStart;
      })
      .sort((a, b) => (startTicks(b) ?? 0) - (startTicks(a) ?? 0));
    const record = candidates[0] ?? null;
    if (record) {
      used.add(record);
      if (starterRuns(record, facts)) return null;
    } else if (facts.isAlive(starterPid)) {
      const starterStart = facts.startTime(starterPid);
      // Running, and old enough to be its ancestor: the same process, still there.
      if (starterStart === null || liveStart === null || starterStart <= liveStart) return null;
    }
    return {
      pid,
      command,
      startTime: liveStart,
      starter: { pid: starterPid, command: record?.starter.command ?? null, cwd: record?.starter.cwd || null, test: null, startedAt: null },
      via: 'environment',
    };
  };

  const out: OrphanedServer[] = [];
  for (const l of listeners) {
    if (l.pid === null) continue;
    if (!verdicts.has(l.pid)) verdicts.set(l.pid, judge(l.pid, l.command));
    const verdict = verdicts.get(l.pid);
    if (verdict) out.push({ address: l.address, port: l.port, wildcard: l.wildcard, ...verdict });
  }

  if (options.cleanUp ?? true) {
    // A record is needed while its starter runs, or while anything it names (or any orphan traced to it) runs.
    await Promise.all(
      records
        .filter((r) => !used.has(r) && !starterRuns(r, facts))
        .filter((r) => !r.children.some((c) => facts.isAlive(c.pid) && (c.startTime === null || facts.startTime(c.pid) === c.startTime)))
        .map((r) => removeChildRecords(r.path)),
    );
  }
  return out.sort((a, b) => a.pid - b.pid || a.port - b.port || a.address.localeCompare(b.address));
}
