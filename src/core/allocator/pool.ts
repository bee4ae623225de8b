import { announceLease } from './announce';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSameProcessAlive, osProcessFacts, type ProcessTable } from '../process';
import { findConflictingPort, isPortAcceptingOnAddress } from './canary';
import { addressForIndex, POOL_ENV, rangeError, resolvePoolConfig, type PoolConfig, type WarnFn } from './config';
import { DEFAULT_ORIGIN_START, effectiveForeignPoolFiles, readForeignLeases, type ForeignLease } from './foreignPools';
import { alternativePoolFile, decideOwnPoolFile } from './ownPoolFile';
import { emptySlots, parsePoolFile, serializePoolFile, type PoolFileContent, type PoolSlot } from './poolFile';
import { withOwnProcessRemembered } from './ownProcess';
import { defaultSleep, readPoolFileSettledSync, type StableReadOptions } from './poolRead';
import { PoolLock, type PoolLockOptions } from './poolLock';
import { scanLoopbackListeners, type LoopbackListener } from './scan';
import { stopProcess, waitForPortsFree, type StopOutcome } from './teardown';

/**
 * `FLAKE_DOCTOR_POOL_FILE`, else a file in `/dev/shm` where it exists (Linux), else in the
 * temp directory. A RAM filesystem is the right home: leases name pids, which mean nothing
 * after a reboot, and creating the lock files there costs a tenth of what it costs on ext4.
 */
export function defaultPoolFile(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[POOL_ENV.poolFile]?.trim();
  if (fromEnv) return fromEnv;
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm/flake-doctor-loopback-pool.json';
  } catch {
    return join(tmpdir(), 'flake-doctor-loopback-pool.json');
  }
}

export interface LoopbackPoolOptions {
  start?: number;
  count?: number;
  probePorts?: readonly number[];
  poolFile?: string;
  /** Also try to connect to each probe port (catches listeners a bind cannot see). */
  connectProbe?: boolean;
  env?: NodeJS.ProcessEnv;
  warn?: WarnFn;
  facts?: ProcessTable;
  lock?: PoolLockOptions;
  /** Used to name the holder of a conflicting port in the warning. */
  scan?: () => Promise<LoopbackListener[]>;
  /** Waits between re-reads of a pool file caught mid-write by an in-place writer. */
  sleep?: (ms: number) => Promise<void>;
  /** Wall clock (ms) judging how long such a file has been quiet (see poolRead); tests inject it with `sleep`. Default `Date.now`. */
  now?: () => number;
  /**
   * Pool files of other pools on this machine (the origin helper's format or ours): their
   * live leases and parked addresses are never leased here. They are only read.
   */
  foreignPoolFiles?: readonly string[];
  /** Also honour the origin helper's default file (`<tmp>/harper-integration-test-loopback-pool.json`) when present. Default `true`. */
  honourOriginDefaultFile?: boolean;
  /** Last octet of index 0 in origin-format files, which record no range. Default 2 (older origin versions: 1). */
  originStart?: number;
}

export interface SkippedAddress {
  address: string;
  port: number;
  pid: number | null;
  command: string | null;
}

export interface TeardownOptions {
  /** Process (group leader) of the instance that used the address. */
  pid?: number;
  graceMs?: number;
  freeTimeoutMs?: number;
}

export interface LoopbackLease {
  address: string;
  index: number;
  token: string;
  /** Frees the slot; a no-op if the slot no longer carries this lease's token. */
  release(): Promise<void>;
  /** Stops the instance's process group, waits for the probe ports, then releases or parks. */
  teardown(options?: TeardownOptions): Promise<{ outcome: 'released' | 'parked'; stop: StopOutcome | null }>;
}

export class PoolExhaustedError extends Error {
  constructor(
    readonly skipped: SkippedAddress[],
    config: PoolConfig,
    /** Addresses of the range held through foreign pool files when the pool gave up. */
    readonly foreignHeld: ForeignLease[] = [],
  ) {
    const detail = skipped.length ? `; skipped for conflicts: ${skipped.map((s) => `${s.address}:${s.port}${s.pid ? ` (pid ${s.pid})` : ''}`).join(', ')}` : '';
    const foreign = foreignHeld.length
      ? `; leased in foreign pool files: ${foreignHeld.map((f) => `${f.address}${f.pid ? ` (pid ${f.pid})` : ' (parked)'} in ${f.file}`).join(', ')}`
      : '';
    super(`no free loopback address in 127.0.0.${config.start}–127.0.0.${config.start + config.count - 1}${detail}${foreign}`);
    this.name = 'PoolExhaustedError';
  }
}

/**
 * Cross-process leases of 127.0.0.x for parallel integration tests.
 *
 * A lease is taken first-fit under the pool lock, then checked with the conflict canary
 * outside it (binds are slow compared to the critical section); an address whose probe
 * port is still held — typically by a lingering worker of the previous instance — is
 * given back and skipped.
 */
export class LoopbackPool {
  readonly config: PoolConfig;
  readonly poolFile: string;
  private readonly lock: PoolLock;
  private readonly warn: WarnFn;
  private readonly facts: ProcessTable;
  private readonly connectProbe: boolean;
  private readonly scan: () => Promise<LoopbackListener[]>;
  /** How pool files caught mid-write are re-read: the injected sleep and clock. */
  private readonly reread: StableReadOptions;
  /** Named in refusals: where this pool could keep its own leases instead. */
  private readonly suggestedPoolFile: string;
  /** The foreign pool files honoured (see {@link LoopbackPoolOptions.foreignPoolFiles}). */
  readonly foreignPoolFiles: readonly string[];
  readonly originStart: number;
  private readonly reportedUnreadable = new Set<string>();

  constructor(options: LoopbackPoolOptions = {}) {
    const env = options.env ?? process.env;
    this.warn = options.warn ?? ((m) => console.warn(`flake-doctor: ${m}`));
    this.config = resolvePoolConfig(options, env, this.warn);
    this.poolFile = options.poolFile ?? defaultPoolFile(env);
    this.facts = withOwnProcessRemembered(options.facts ?? osProcessFacts);
    this.lock = new PoolLock(`${this.poolFile}.lock`, { facts: this.facts, ...options.lock });
    this.connectProbe = options.connectProbe ?? false;
    this.scan = options.scan ?? (() => scanLoopbackListeners());
    this.reread = { sleep: options.sleep ?? defaultSleep, ...(options.now ? { now: options.now } : {}) };
    this.suggestedPoolFile = alternativePoolFile(this.poolFile, defaultPoolFile(env));
    this.originStart = options.originStart ?? DEFAULT_ORIGIN_START;
    const originError = rangeError(this.originStart, 1);
    if (originError) throw new RangeError(`LoopbackPool: originStart: ${originError.replace(/^start /, '')}`);
    this.foreignPoolFiles = effectiveForeignPoolFiles(this.poolFile, options.foreignPoolFiles ?? [], options.honourOriginDefaultFile ?? true, env);
  }

  /** Addresses held in the foreign pool files right now. An unreadable one is warned about once. */
  private async foreignLeases(): Promise<Map<string, ForeignLease>> {
    if (this.foreignPoolFiles.length === 0) return new Map();
    const { leases, unreadable, rewriting } = await readForeignLeases(this.foreignPoolFiles, this.originStart, this.facts, this.reread);
    for (const why of unreadable) {
      if (this.reportedUnreadable.has(why)) continue;
      this.reportedUnreadable.add(why);
      this.warn(`cannot honour the leases of a foreign pool file: ${why}`);
    }
    for (const file of rewriting) {
      const why = `rewriting:${file}`;
      if (this.reportedUnreadable.has(why)) continue;
      this.reportedUnreadable.add(why);
      this.warn(`cannot honour the leases of foreign pool file ${file} this time: its owner was rewriting it in place at every read`);
    }
    return leases;
  }

  async acquire(): Promise<LoopbackLease> {
    const skipped: SkippedAddress[] = [];
    const skip = new Set<number>();
    let unparkTried = false;
    for (;;) {
      const foreign = await this.foreignLeases();
      const taken = await this.update((slots) => this.takeFirstFree(slots, skip, foreign));
      if (taken === null) {
        if (!unparkTried && (await this.unparkFreed()) > 0) {
          unparkTried = true;
          continue;
        }
        const inRange = [...foreign.values()].filter((f) => this.indexOf(f.address) !== null);
        throw new PoolExhaustedError(skipped, this.config, inRange);
      }
      const address = addressForIndex(this.config.start, taken.index);
      let port: number | null;
      try {
        port = await this.conflictingPort(address);
      } catch (err) {
        await this.releaseSlot(taken.index, taken.token);
        throw err;
      }
      if (port === null) {
        // A foreign pool may have leased the address while the canary ran (it cannot see our
        // file): look once more, so the window for a double lease is the canary's, not ours.
        const late = (await this.foreignLeases()).get(address);
        if (!late) return announceLease(this.leaseHandle(address, taken.index, taken.token), this.poolFile);
        await this.releaseSlot(taken.index, taken.token);
        skip.add(taken.index);
        this.warn(`skipping ${address}: just leased in foreign pool file ${late.file}${late.pid ? ` by pid ${late.pid}` : ''}`);
        continue;
      }
      await this.releaseSlot(taken.index, taken.token);
      skip.add(taken.index);
      const holder = await this.holderOf(address, port);
      skipped.push({ address, port, ...holder });
      this.warn(
        `skipping ${address}: port ${port} is still held${holder.pid ? ` by pid ${holder.pid} (${holder.command ?? 'command line not visible'})` : ''}`,
      );
    }
  }

  private indexOf(address: string): number | null {
    const index = Number(address.split('.')[3]) - this.config.start;
    return address.startsWith('127.0.0.') && index >= 0 && index < this.config.count ? index : null;
  }

  private takeFirstFree(slots: PoolSlot[], skip: ReadonlySet<number>, foreign: ReadonlyMap<string, ForeignLease>): { index: number; token: string } | null {
    const index = slots.findIndex((slot, i) => slot === null && !skip.has(i) && !foreign.has(addressForIndex(this.config.start, i)));
    if (index < 0) return null;
    const token = randomToken();
    slots[index] = { state: 'leased', pid: process.pid, startTime: this.facts.startTime(process.pid), token, leasedAt: Date.now() };
    return { index, token };
  }

  private async conflictingPort(address: string): Promise<number | null> {
    const port = await findConflictingPort(address, this.config.probePorts);
    if (port !== null || !this.connectProbe) return port;
    for (const p of this.config.probePorts) if (await isPortAcceptingOnAddress(p, address)) return p;
    return null;
  }

  private async holderOf(address: string, port: number): Promise<{ pid: number | null; command: string | null }> {
    try {
      const found = (await this.scan()).find((l) => l.port === port && (l.address === address || l.wildcard));
      return { pid: found?.pid ?? null, command: found?.command ?? null };
    } catch {
      return { pid: null, command: null };
    }
  }

  private leaseHandle(address: string, index: number, token: string): LoopbackLease {
    return {
      address,
      index,
      token,
      release: async () => {
        await this.releaseSlot(index, token);
      },
      teardown: async (options = {}) => {
        const stop = options.pid
          ? await stopProcess(
              { pid: options.pid, startTime: this.facts.startTime(options.pid) },
              { group: true, graceMs: options.graceMs ?? 5000, facts: this.facts },
            )
          : null;
        const free = await waitForPortsFree(address, this.config.probePorts, options.freeTimeoutMs ?? 5000);
        if (free) {
          await this.releaseSlot(index, token);
          return { outcome: 'released', stop };
        }
        await this.update((slots) => {
          const slot = slots[index];
          if (slot?.state === 'leased' && slot.token === token) {
            slots[index] = {
              state: 'parked',
              parkedAt: Date.now(),
              reason: `ports ${this.config.probePorts.join(', ')} did not free after teardown`,
              pid: slot.pid,
            };
          }
        });
        this.warn(`parked ${address}: its ports did not free after teardown`);
        return { outcome: 'parked', stop };
      },
    };
  }

  /** Frees slot `index` only if it still carries `token`. Returns whether it did. */
  async releaseSlot(index: number, token: string): Promise<boolean> {
    return this.update((slots) => {
      const slot = slots[index];
      if (slot?.state !== 'leased' || slot.token !== token) return false;
      slots[index] = null;
      return true;
    });
  }

  /** Frees a slot whose holder is dead (the view's "Release lease"); never a live holder's. */
  async releaseDeadHolder(index: number): Promise<'released' | 'holder-alive' | 'not-leased'> {
    return this.update((slots) => {
      const slot = slots[index];
      if (slot?.state === 'parked') {
        slots[index] = null;
        return 'released';
      }
      if (slot?.state !== 'leased') return 'not-leased';
      if (isSameProcessAlive(this.facts, slot.pid, slot.startTime)) return 'holder-alive';
      slots[index] = null;
      return 'released';
    });
  }

  /** Parked addresses whose ports have since freed go back into the pool. */
  async unparkFreed(): Promise<number> {
    const parked = (await this.read()).slots.flatMap((slot, i) => (slot?.state === 'parked' ? [{ i, at: slot.parkedAt }] : []));
    const freed: typeof parked = [];
    for (const p of parked) {
      if ((await findConflictingPort(addressForIndex(this.config.start, p.i), this.config.probePorts)) === null) freed.push(p);
    }
    if (freed.length === 0) return 0;
    return this.update((slots) => {
      let n = 0;
      for (const p of freed) {
        const slot = slots[p.i];
        if (slot?.state === 'parked' && slot.parkedAt === p.at) {
          slots[p.i] = null;
          n++;
        }
      }
      return n;
    });
  }

  /** The pool as it is on disk now (read without the lock: a consistent file, maybe a moment old). */
  async read(): Promise<PoolFileContent> {
    const { text } = await readPoolFileSettledSync(this.poolFile, this.reread);
    if (text === null) return { format: 'flake-doctor', start: this.config.start, count: this.config.count, slots: emptySlots(this.config.count) };
    return parsePoolFile(text, this.poolFile, this.config.start);
  }

  /**
   * Read-modify-write of the pool file under the pool lock. Dead holders are swept first.
   * The file is replaced atomically (write + rename) so readers never see half a file.
   */
  private async update<T>(change: (slots: PoolSlot[]) => T): Promise<T> {
    const held = await this.lock.acquire();
    try {
      const slots = await this.loadForUpdate();
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i];
        if (slot?.state === 'leased' && !isSameProcessAlive(this.facts, slot.pid, slot.startTime)) slots[i] = null;
      }
      const result = change(slots);
      // Synchronous inside the lock: a few tiny-file syscalls, held for as short as possible.
      const tmp = `${this.poolFile}.${process.pid}.${randomToken().slice(0, 8)}.tmp`;
      writeFileSync(tmp, serializePoolFile({ start: this.config.start, count: this.config.count, slots }));
      renameSync(tmp, this.poolFile);
      return result;
    } finally {
      await held.release();
    }
  }

  private async loadForUpdate(): Promise<PoolSlot[]> {
    // A read that parses is taken at once (our own writes are atomic renames); anything else
    // may be an in-place writer caught mid-write and is re-read until it settles.
    const read = await readPoolFileSettledSync(this.poolFile, this.reread);
    const decision = decideOwnPoolFile(read, this.poolFile, this.config, this.suggestedPoolFile);
    if (decision.kind === 'slots') return decision.slots;
    // Provably ours and damaged: keep the damaged copy beside it, start afresh.
    const kept = `${this.poolFile}.corrupt-${Date.now()}`;
    renameSync(this.poolFile, kept);
    this.warn(`${decision.why}; reinitialised it and kept the corrupt copy as ${kept}`);
    return emptySlots(this.config.count);
  }
}

/** A lease token: unique, not secret. randomUUID draws from a cached batch of random bytes, where randomBytes asks the kernel each time. */
function randomToken(): string {
  return randomUUID().replaceAll('-', '');
}
