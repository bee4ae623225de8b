import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { osProcessFacts, type ProcessTable } from '../process';
import { parseLsofListeners } from './lsofOutput';
import { isLoopbackAddress, isWildcardAddress, parseProcNetTcp, TCP_LISTEN, type ProcNetSocket } from './procNet';
import { SocketOwnerIndex } from './socketOwners';

/** One listening TCP socket that a loopback client could reach. */
export interface LoopbackListener {
  address: string;
  port: number;
  pid: number | null;
  command: string | null;
  /** `0.0.0.0` / `::` listeners shadow every loopback address on their port. */
  wildcard: boolean;
}

/** Raised when this platform offers no way to list sockets; never answered with `[]`. */
export class ScanUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScanUnavailableError';
  }
}

export interface ScanOptions {
  procRoot?: string;
  facts?: ProcessTable;
}

const sharedOwners = new SocketOwnerIndex();

/**
 * Listening sockets on 127.0.0.0/8, ::1 and the wildcards, each with the pid and command
 * line holding it (`null` where not visible, e.g. another user's process without root).
 */
export async function scanLoopbackListeners(options: ScanOptions = {}): Promise<LoopbackListener[]> {
  const procRoot = options.procRoot ?? '/proc';
  const facts = options.facts ?? osProcessFacts;
  if (existsSync(`${procRoot}/net/tcp`)) return scanProc(procRoot, facts, procRoot === '/proc' ? sharedOwners : new SocketOwnerIndex(procRoot));
  return scanWithLsof();
}

async function readProcNet(path: string, family: 4 | 6): Promise<ProcNetSocket[]> {
  try {
    return parseProcNetTcp(await fs.readFile(path, 'utf8'), family);
  } catch (err) {
    // tcp6 is absent on kernels without IPv6; tcp itself must be readable.
    if (family === 6 && (err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ScanUnavailableError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

async function scanProc(procRoot: string, facts: ProcessTable, owners: SocketOwnerIndex): Promise<LoopbackListener[]> {
  // The kernel walks its whole TCP hash table for each file (milliseconds on a large host),
  // so both are read at once on the thread pool.
  const [v4, v6] = await Promise.all([readProcNet(`${procRoot}/net/tcp`, 4), readProcNet(`${procRoot}/net/tcp6`, 6)]);
  const sockets = [...v4, ...v6].filter((s) => s.state === TCP_LISTEN && (isLoopbackAddress(s.address) || isWildcardAddress(s.address)));
  const pids = owners.resolve(new Set(sockets.map((s) => s.inode)));
  const commands = new Map<number, string | null>();
  const seen = new Set<string>();
  const out: LoopbackListener[] = [];
  for (const s of sockets) {
    const address = s.address.startsWith('::ffff:') ? s.address.slice(7) : s.address;
    const pid = pids.get(s.inode) ?? null;
    // SO_REUSEPORT groups show one line per socket; keep one row per (address, port, pid).
    const key = `${address}|${s.port}|${pid}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (pid !== null && !commands.has(pid)) commands.set(pid, facts.commandLine(pid));
    out.push({ address, port: s.port, pid, command: pid === null ? null : (commands.get(pid) ?? null), wildcard: isWildcardAddress(address) });
  }
  return out;
}

async function scanWithLsof(): Promise<LoopbackListener[]> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('lsof', ['-nP', '-iTCP', '-sTCP:LISTEN', '-F', 'pcn'], { maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string };
    // lsof exits 1 when nothing matched; that is a real, empty answer.
    if (e.code !== 'ENOENT' && typeof e.stdout === 'string' && e.stdout.trim() === '') return [];
    throw new ScanUnavailableError(
      e.code === 'ENOENT'
        ? 'this platform has no /proc/net/tcp and no lsof: listening sockets cannot be listed, so conflicts cannot be shown'
        : `lsof failed: ${e.message}`,
    );
  }
  return parseLsofListeners(stdout)
    .filter((l) => isLoopbackAddress(l.address) || isWildcardAddress(l.address))
    .map((l) => ({ ...l, wildcard: isWildcardAddress(l.address) }));
}
