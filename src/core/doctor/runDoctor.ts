// One doctor pass: everything the four views would flag, gathered at once and bounded in time.
// Loopback (pool files + the socket table), every configured lock and every lock an attached
// process waits for or holds, and each attached process's bridge snapshot, all in parallel.
// A part that cannot be examined is named in `errors`, never silently reported as healthy.

import { inspectLoopback } from '../allocator/inspect';
import { scanLoopbackListeners, type LoopbackListener } from '../allocator/scan';
import { connectBridge } from '../bridge/client';
import { bridgeDirectory } from '../bridge/directory';
import { listBridgeProcesses } from '../bridge/discovery';
import type { BridgeProcessEntry, BridgeSnapshot } from '../bridge/types';
import { inspectRestartLock, type RestartLockSnapshot } from '../lock/inspect';
import { findOrphanedServers, type OrphanedServer } from '../observe/orphans';
import { bridgeProblems } from './bridgeProblems';
import { serverForUrl } from './callServer';
import type { DoctorConfig } from './config';
import { lockProblems, type UnreadableLock } from './lockProblems';
import { loopbackProblems } from './loopbackProblems';
import { orphanProblems } from './orphanProblems';
import { countByArea, DOCTOR_REPORT_SCHEMA_VERSION, sortProblems, type DoctorReport, type ReportLock, type ReportProcess } from './report';

export interface RunDoctorOptions {
  /** Socket table source (tests of the pure parts inject one). */
  scan?: () => Promise<LoopbackListener[]>;
  now?: () => number;
}

interface ProcessResult {
  entry: BridgeProcessEntry;
  snapshot: BridgeSnapshot | null;
  error: string | null;
}

async function readProcess(entry: BridgeProcessEntry, timeoutMs: number): Promise<ProcessResult> {
  let client: Awaited<ReturnType<typeof connectBridge>> | null = null;
  try {
    client = await connectBridge(entry.socketPath, { connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs });
    return { entry, snapshot: await client.snapshot(), error: null };
  } catch (err) {
    return { entry, snapshot: null, error: (err as Error).message };
  } finally {
    client?.close();
  }
}

async function readProcesses(config: DoctorConfig, errors: string[]): Promise<ProcessResult[]> {
  const skip = new Set([process.pid, ...(config.excludePids ?? [])]);
  let entries: BridgeProcessEntry[];
  try {
    entries = await listBridgeProcesses(config.bridgeDir ? { dir: config.bridgeDir } : {});
  } catch (err) {
    errors.push(`attached processes cannot be listed: ${(err as Error).message}`);
    return [];
  }
  return Promise.all(entries.filter((e) => !skip.has(e.pid)).map((e) => readProcess(e, config.processTimeoutMs ?? 2000)));
}

async function readLocks(paths: string[], config: DoctorConfig): Promise<{ snapshots: RestartLockSnapshot[]; unreadable: UnreadableLock[] }> {
  const results = await Promise.all(
    paths.map(async (lockPath) => {
      try {
        return { snapshot: await inspectRestartLock(lockPath, { staleMs: config.locks.staleMs, mutexStaleMs: config.locks.mutexStaleMs }) };
      } catch (err) {
        return { unreadable: { lockPath, message: (err as Error).message } };
      }
    }),
  );
  return {
    snapshots: results.flatMap((r) => ('snapshot' in r && r.snapshot ? [r.snapshot] : [])),
    unreadable: results.flatMap((r) => ('unreadable' in r && r.unreadable ? [r.unreadable] : [])),
  };
}

function processSummary(r: ProcessResult): ReportProcess {
  const locks = r.snapshot?.locks ?? [];
  return {
    pid: r.entry.pid,
    threadId: r.entry.threadId,
    command: r.entry.command,
    status: r.snapshot ? 'ok' : 'unreachable',
    error: r.error,
    waitingForLocks: locks.filter((l) => l.state === 'waiting').map((l) => l.lockPath),
    heldLocks: locks.filter((l) => l.state === 'held').map((l) => l.lockPath),
    leases: (r.snapshot?.leases ?? []).map((l) => l.address),
  };
}

/** Listeners whose test process has exited (the same socket scan; the starters' records in the bridge directory). */
async function readOrphans(listeners: LoopbackListener[], config: DoctorConfig, errors: string[]): Promise<OrphanedServer[]> {
  try {
    return await findOrphanedServers(listeners, { dir: config.bridgeDir ?? bridgeDirectory() });
  } catch (err) {
    errors.push(`orphaned servers cannot be looked for: ${(err as Error).message}`);
    return [];
  }
}

export async function runDoctor(config: DoctorConfig, options: RunDoctorOptions = {}): Promise<DoctorReport> {
  const now = options.now ?? Date.now;
  const started = now();
  const errors: string[] = [];
  // One socket scan serves both the loopback view and naming the servers of stalled calls.
  const scan = options.scan ?? scanLoopbackListeners;
  const listenersPromise = scan().then(
    (l) => ({ listeners: l, error: null as string | null }),
    (err: Error) => ({ listeners: [] as LoopbackListener[], error: err.message }),
  );
  const [processes, loopback] = await Promise.all([
    readProcesses(config, errors),
    inspectLoopback({
      config: config.loopback.config,
      poolFiles: config.loopback.poolFiles,
      scan: async () => {
        const r = await listenersPromise;
        if (r.error !== null) throw new Error(r.error);
        return r.listeners;
      },
    }),
  ]);
  // The locks attached processes wait for or hold are inspected too: they need no configuration.
  const lockPaths = [...new Set([...config.locks.paths, ...processes.flatMap((p) => (p.snapshot?.locks ?? []).map((l) => l.lockPath))])];
  const locks = await readLocks(lockPaths, config);
  const { listeners } = await listenersPromise;
  const orphans = await readOrphans(listeners, config, errors);

  if (loopback.scanError) errors.push(`listening sockets cannot be listed, so loopback conflicts cannot be seen: ${loopback.scanError}`);
  for (const p of processes) if (!p.snapshot) errors.push(`attached pid ${p.entry.pid} (${p.entry.command}) did not answer: ${p.error}`);

  const problems = sortProblems([
    ...loopbackProblems(loopback),
    ...orphanProblems(orphans),
    ...lockProblems(locks.snapshots, locks.unreadable),
    ...processes.flatMap((p) =>
      p.snapshot
        ? bridgeProblems(p.snapshot, {
            backlogWarningBytes: config.sessions.backlogWarningBytes,
            stallThresholdMs: config.calls.stallThresholdMs,
            serverOf: (url) => serverForUrl(url, listeners),
            snapshotOf: (pid) => processes.find((q) => q.entry.pid === pid && q.snapshot)?.snapshot ?? null,
          })
        : [],
    ),
  ]);
  const reportLocks: ReportLock[] = [
    ...locks.snapshots.map((s) => ({ lockPath: s.lockPath, state: s.state, summary: s.summary })),
    ...locks.unreadable.map((u) => ({ lockPath: u.lockPath, state: 'unreadable' as const, summary: u.message })),
  ];
  return {
    schemaVersion: DOCTOR_REPORT_SCHEMA_VERSION,
    generator: 'flake-doctor',
    generatedAt: new Date(started).toISOString(),
    durationMs: Math.max(0, now() - started),
    summary: { problems: problems.length, errors: errors.length, byArea: countByArea(problems) },
    problems,
    loopback: {
      first: loopback.range.first,
      last: loopback.range.last,
      probePorts: loopback.probePorts,
      poolFiles: loopback.pools.map((p) => p.file),
      scanError: loopback.scanError,
    },
    locks: reportLocks,
    processes: processes.map(processSummary),
    errors,
  };
}
