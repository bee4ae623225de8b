// A JSON-serialisable snapshot of one lock file and its `.mutex`/`.reclaim` companions.
// The view (and any other front end) renders this and nothing else. Inspecting never writes
// and never takes the mutex: it must be safe to run at any time, from any process.
import { parseLockContent, parseMutexContent } from './content';
import { readOrNull, statRegularOrNull, type LockFileRole } from './files';
import { assessHolder, isProvablyDead, judgeLock, type HolderLiveness, type LockState } from './judge';
import { mutexPath, reclaimPath } from './mutex';
import { resolveOptions, type LockOptions, type ResolvedOptions } from './options';

export interface HolderSnapshot {
  pid: number;
  token: string;
  /** When the holder took the lock (epoch ms, from the content). */
  timestamp: number;
  /** `null` when the timestamp is in the future beyond the stale threshold (corrupt). */
  ageMs: number | null;
  host: string | null;
  startTime: string | null;
  bootId: string | null;
  liveness: HolderLiveness;
  /** Origin-format content (no host) judged as a holder on this machine because the lock is
   * on a local file system. */
  assumedLocal: boolean;
  /** true: running; false: provably gone; null: cannot tell (another host). For
   * origin-format content this is whether the pid runs here, which is only a hint. */
  alive: boolean | null;
  /** Live command line of the pid when it is the recorded process, else what was recorded. */
  commandLine: string | null;
  /** The command line the holder recorded when it took the lock. */
  recordedCommand: string | null;
}

export interface AuxFileSnapshot {
  path: string;
  /** Age by mtime, which is how staleness of these files is judged. */
  ageMs: number;
  /** Older than the mutex threshold: left by a crashed process; the next transition reaps it. */
  stale: boolean;
  /** `null` while empty (created, not yet written) or unreadable. */
  holderPid: number | null;
  holderRunning: boolean | null;
}

export interface RestartLockSnapshot {
  lockPath: string;
  inspectedAt: number;
  state: LockState;
  /** One line for a tooltip or a probe report. */
  summary: string;
  holder: HolderSnapshot | null;
  corruptReason: string | null;
  /** The content as read (at most 512 characters) when corrupt, for the user to see. */
  rawContent: string | null;
  mutex: AuxFileSnapshot | null;
  reclaim: AuxFileSnapshot | null;
  thresholds: { staleMs: number; mutexStaleMs: number };
}

export type InspectOptions = Pick<LockOptions, 'staleMs' | 'mutexStaleMs' | 'now' | 'processFacts' | 'localFileSystem'>;

export async function inspectRestartLock(lockPath: string, options?: InspectOptions): Promise<RestartLockSnapshot> {
  return inspectLockSync(lockPath, resolveOptions(options));
}

export function inspectLockSync(lockPath: string, options: ResolvedOptions): RestartLockSnapshot {
  const inspectedAt = options.now();
  const content = readOrNull(lockPath);
  const originIsLocal = () => options.localFileSystem(lockPath);
  const judgement = judgeLock(content, inspectedAt, options.staleMs, options.processFacts, originIsLocal);
  // A future-timestamped lock is corrupt but still names a holder worth showing.
  const parsed = content === null ? null : parseLockContent(content);
  const record = judgement.record ?? (parsed?.ok ? parsed.record : null);
  let holder: HolderSnapshot | null = null;
  if (record !== null) {
    const assessment = judgement.holder ?? assessHolder(record, options.processFacts, originIsLocal);
    const alive = assessment.liveness === 'alive' ? true : isProvablyDead(assessment.liveness) ? false : assessment.pidRunning;
    const live = assessment.liveness === 'alive' ? options.processFacts.commandLine(record.pid) : null;
    holder = {
      pid: record.pid,
      token: record.token,
      timestamp: record.timestamp,
      ageMs: judgement.ageMs,
      host: record.host,
      startTime: record.startTime,
      bootId: record.bootId,
      liveness: assessment.liveness,
      assumedLocal: assessment.assumedLocal,
      alive,
      commandLine: live ?? record.command,
      recordedCommand: record.command,
    };
  }
  const snapshot: RestartLockSnapshot = {
    lockPath,
    inspectedAt,
    state: judgement.state,
    summary: '',
    holder,
    corruptReason: judgement.corruptReason,
    rawContent: judgement.state === 'corrupt' && content !== null ? content.slice(0, 512) : null,
    mutex: inspectAux(mutexPath(lockPath), 'lock mutex', inspectedAt, options),
    reclaim: inspectAux(reclaimPath(lockPath), 'lock mutex reclaim', inspectedAt, options),
    thresholds: { staleMs: options.staleMs, mutexStaleMs: options.mutexStaleMs },
  };
  snapshot.summary = summarise(snapshot);
  return snapshot;
}

function inspectAux(path: string, role: LockFileRole, now: number, options: ResolvedOptions): AuxFileSnapshot | null {
  // A directory (or FIFO…) in the way is an error naming it: every transition would fail on it.
  const stats = statRegularOrNull(path, role);
  if (stats === null) return null;
  let holder: { pid: number } | null;
  try {
    holder = parseMutexContent(readOrNull(path, role) ?? '');
  } catch {
    holder = null;
  }
  const ageMs = Math.max(0, Math.round(now - stats.mtimeMs));
  return {
    path,
    ageMs,
    stale: ageMs > options.mutexStaleMs,
    holderPid: holder?.pid ?? null,
    holderRunning: holder === null ? null : options.processFacts.probePid(holder.pid) === 'running',
  };
}

function summarise(s: RestartLockSnapshot): string {
  const who = s.holder === null ? '' : ` by pid ${s.holder.pid}${s.holder.commandLine === null ? '' : ` (${s.holder.commandLine})`}`;
  const age = s.holder?.ageMs == null ? '' : `, ${Math.round(s.holder.ageMs / 1000)} s old`;
  let text: string;
  switch (s.state) {
    case 'free':
      text = 'free';
      break;
    case 'held':
      text = `held${who}${age}`;
      break;
    case 'stale':
      text = `stale: held${who}${age}, older than ${Math.round(s.thresholds.staleMs / 100) / 10} s`;
      break;
    case 'dead-holder':
      text = `dead holder: pid ${s.holder?.pid} ${s.holder?.liveness === 'pid-reused' ? 'now belongs to another process' : 'is gone'}${age}`;
      break;
    case 'corrupt':
      text = `corrupt: ${s.corruptReason}`;
      break;
  }
  if (s.mutex?.stale) text += '; orphaned .mutex';
  if (s.reclaim?.stale) text += '; orphaned .reclaim';
  return text;
}
