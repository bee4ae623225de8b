import { isDescendantOf, isSameProcessAlive, type ProcessTable } from '../process';
import { addressForIndex, type PoolConfig } from './config';
import type { PoolFileContent } from './poolFile';
import type { LoopbackListener } from './scan';

/**
 * The Loopback Addresses snapshot: a JSON-serialisable picture of every pool address and
 * every other loopback address with a listener. Every front end (tree view, status bar,
 * a CLI) renders this; none of them re-derives states.
 */
export type AddressState = 'free' | 'leased' | 'dead-holder' | 'conflict' | 'parked' | 'foreign';

export interface PortEntry {
  port: number;
  pid: number | null;
  startTime: number | null;
  command: string | null;
  /** Bound on 0.0.0.0 / :: rather than on this address. */
  wildcard: boolean;
  probePort: boolean;
  /** Held by the lease holder or one of its descendants (its own servers). */
  heldByLeaseHolder: boolean;
}

export interface HolderEntry {
  pid: number;
  startTime: number | null;
  alive: boolean;
  command: string | null;
  leasedAt: number | null;
  token: string | null;
}

export interface AddressEntry {
  address: string;
  /** Index in the pool, `null` for addresses outside the pool. */
  poolIndex: number | null;
  /** The pool file that records this slot, if any. */
  poolFile: string | null;
  /** That file's format; for `origin` files the range is not recorded but assumed. */
  poolFormat: PoolFileContent['format'] | null;
  /** For a slot from an origin-format file: the last octet its index 0 was taken to be. */
  originStart: number | null;
  /** The slot comes from a foreign pool file (another pool, honoured, never written). */
  foreignPool: boolean;
  state: AddressState;
  holder: HolderEntry | null;
  parked: { parkedAt: number; reason: string } | null;
  ports: PortEntry[];
  /** Plain-language problems, empty when all is well. */
  problems: string[];
}

export interface PoolSource {
  file: string;
  /** `foreign`: another pool's file, whose leases ours honours. Default `own`. */
  role?: 'own' | 'foreign';
  content: PoolFileContent | null;
  /** Why the file could not be read (corrupt, unreadable); `null` when read or absent. */
  error: string | null;
  /** Its owner was rewriting it in place on every read (not a problem: its leases are unknown until the next read). */
  rewriting?: boolean;
}

export interface LoopbackSnapshot {
  takenAt: number;
  range: { start: number; count: number; first: string; last: string };
  probePorts: number[];
  pools: {
    file: string;
    role: 'own' | 'foreign';
    format: PoolFileContent['format'] | null;
    error: string | null;
    /** Being rewritten in place by its owner at every read: not a problem, its leases are unknown for now. */
    rewriting?: boolean;
  }[];
  /** Why sockets could not be listed; when set, `ports` are unknown, not empty. */
  scanError: string | null;
  addresses: AddressEntry[];
}

export interface SnapshotInput {
  config: PoolConfig;
  pools: PoolSource[];
  listeners: LoopbackListener[] | null;
  scanError: string | null;
  facts: ProcessTable;
  now: number;
}

const STATE_ORDER: AddressState[] = ['conflict', 'dead-holder', 'parked', 'leased', 'foreign', 'free'];

function compareAddresses(a: string, b: string): number {
  const na = a.split('.').map(Number);
  const nb = b.split('.').map(Number);
  if (na.length === 4 && nb.length === 4) {
    for (let i = 0; i < 4; i++) if (na[i] !== nb[i]) return na[i]! - nb[i]!;
    return 0;
  }
  return a.localeCompare(b);
}

export function buildLoopbackSnapshot(input: SnapshotInput): LoopbackSnapshot {
  const { config, facts } = input;
  const probe = new Set(config.probePorts);
  const startTimes = new Map<number, number | null>();
  const startTimeOf = (pid: number) => {
    if (!startTimes.has(pid)) startTimes.set(pid, facts.startTime(pid));
    return startTimes.get(pid) ?? null;
  };
  const listeners = input.listeners ?? [];
  const wildcardProbe = listeners.filter((l) => l.wildcard && probe.has(l.port));

  const entries = new Map<string, AddressEntry>();
  const entryFor = (address: string, poolIndex: number | null): AddressEntry => {
    let entry = entries.get(address);
    if (!entry) {
      entry = {
        address,
        poolIndex,
        poolFile: null,
        poolFormat: null,
        originStart: null,
        foreignPool: false,
        state: 'free',
        holder: null,
        parked: null,
        ports: [],
        problems: [],
      };
      entries.set(address, entry);
    }
    return entry;
  };

  for (let i = 0; i < config.count; i++) entryFor(addressForIndex(config.start, i), i);
  for (const pool of input.pools) {
    if (!pool.content) continue;
    pool.content.slots.forEach((slot, i) => {
      if (slot === null) return;
      const entry = entries.get(addressForIndex(pool.content!.start, i));
      if (!entry || entry.poolIndex === null) return; // outside the configured range
      if (entry.holder || entry.parked) {
        // Already described by an earlier file. A second live lease is two pools handing out
        // one address: the double lease that coexistence exists to prevent.
        if (slot.state === 'leased' && entry.holder?.alive && isSameProcessAlive(facts, slot.pid, slot.startTime) && slot.pid !== entry.holder.pid) {
          entry.problems.push(
            `double lease: also leased by pid ${slot.pid}${facts.commandLine(slot.pid) ? ` (${facts.commandLine(slot.pid)})` : ''} in ${pool.file}`,
          );
        }
        return;
      }
      entry.poolFile = pool.file;
      entry.poolFormat = pool.content!.format;
      entry.originStart = pool.content!.format === 'origin' ? pool.content!.start : null;
      entry.foreignPool = pool.role === 'foreign';
      if (slot.state === 'parked') {
        entry.parked = { parkedAt: slot.parkedAt, reason: slot.reason };
      } else {
        entry.holder = {
          pid: slot.pid,
          startTime: slot.startTime,
          alive: isSameProcessAlive(facts, slot.pid, slot.startTime),
          command: facts.commandLine(slot.pid),
          leasedAt: slot.leasedAt,
          token: slot.token,
        };
      }
    });
  }

  const addPort = (entry: AddressEntry, l: LoopbackListener) => {
    const holder = entry.holder;
    const heldByLeaseHolder = !!holder && holder.alive && l.pid !== null && isDescendantOf(facts, l.pid, holder.pid);
    entry.ports.push({
      port: l.port,
      pid: l.pid,
      startTime: l.pid === null ? null : startTimeOf(l.pid),
      command: l.command,
      wildcard: l.wildcard,
      probePort: probe.has(l.port),
      heldByLeaseHolder,
    });
  };
  for (const l of listeners) {
    if (l.wildcard) continue;
    const existing = entries.get(l.address);
    addPort(existing ?? entryFor(l.address, null), l);
  }
  for (const entry of entries.values()) {
    if (entry.poolIndex !== null) for (const l of wildcardProbe) addPort(entry, l);
  }

  for (const entry of entries.values()) {
    entry.ports.sort((a, b) => a.port - b.port || Number(a.wildcard) - Number(b.wildcard));
    const holderPid = entry.holder?.pid;
    if (entry.poolIndex === null) {
      entry.state = 'foreign';
      continue;
    }
    for (const p of entry.ports) {
      if (!p.probePort || p.heldByLeaseHolder) continue;
      const who = p.pid === null ? 'a process that is not visible' : `pid ${p.pid}${p.command ? ` (${p.command})` : ''}`;
      const where = p.wildcard ? ` on the wildcard address, shadowing ${entry.address}` : '';
      entry.problems.push(
        `probe port ${p.port} is held by ${who}${where}${holderPid ? `, not by the lease holder ${holderPid}` : ' while the address is not leased'}`,
      );
    }
    if (entry.holder && !entry.holder.alive) entry.problems.push(`lease holder pid ${entry.holder.pid} is no longer running`);
    entry.state = entry.problems.some((p) => p.startsWith('probe port') || p.startsWith('double lease'))
      ? 'conflict'
      : entry.holder && !entry.holder.alive
        ? 'dead-holder'
        : entry.parked
          ? 'parked'
          : entry.holder
            ? 'leased'
            : 'free';
  }

  const addresses = [...entries.values()].sort((a, b) => {
    if ((a.poolIndex === null) !== (b.poolIndex === null)) return a.poolIndex === null ? 1 : -1;
    return compareAddresses(a.address, b.address);
  });
  return {
    takenAt: input.now,
    range: { start: config.start, count: config.count, first: addressForIndex(config.start, 0), last: addressForIndex(config.start, config.count - 1) },
    probePorts: [...config.probePorts],
    pools: input.pools.map((p) => ({
      file: p.file,
      role: p.role ?? 'own',
      format: p.content?.format ?? null,
      error: p.error,
      ...(p.rewriting ? { rewriting: true } : {}),
    })),
    scanError: input.scanError,
    addresses,
  };
}

/** Addresses that need attention, most serious first. */
export function addressesWithProblems(snapshot: LoopbackSnapshot): AddressEntry[] {
  return snapshot.addresses.filter((a) => a.problems.length > 0).sort((a, b) => STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state));
}
