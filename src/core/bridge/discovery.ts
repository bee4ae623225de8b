// Finding the processes that publish: a listing of the bridge directory, with the entries of
// processes that have exited (or were killed) removed on the way. An entry is removed only
// when it provably belongs to a process that is gone: its pid is dead, or the pid now belongs
// to a different incarnation (start time differs), or — for a worker thread's socket, which
// its still-running process may have left behind — nobody accepts on it and it is not new.
// "Not new": `listen()` on a path is two system calls, bind (the file appears) then listen,
// and a connection in between is refused; a pass that looks at that moment — discovery polls
// while processes start — must not unlink the socket of a thread about to serve on it.

import { lstat, readdir, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { readRegularFile } from '../files/regularFile';
import { osProcessFacts, type ProcessTable } from '../process';
import { bridgeDirectory, checkDirectory, metaPathFor, parseSocketFileName } from './directory';
import { sameIncarnation } from './processInfo';
import type { BridgeProcessEntry } from './types';

export interface ListBridgeOptions {
  /** The bridge directory (default: FLAKE_DOCTOR_BRIDGE_DIR, the runtime dir, or a per-user temp dir). */
  dir?: string;
  /** Process facts (injectable for tests of pid reuse). */
  facts?: ProcessTable;
  /** Remove the entries of processes that are gone (default true). */
  cleanUp?: boolean;
}

const META_LIMIT_BYTES = 64 * 1024;
/** A refused worker-thread socket younger than this may be one between bind and listen. */
const NEW_SOCKET_MS = 10_000;

async function removeQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch {
    // Someone else (another discovery pass, the process itself) removed it first.
  }
}

/** Whether something accepts connections on `socketPath` (ECONNREFUSED: a socket file nobody serves). */
export function socketAccepts(socketPath: string, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(true); // busy or frozen, but present: not provably gone
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT');
    });
  });
}

/** Whether the file at `path` was made in the last NEW_SOCKET_MS (or is gone already: nothing to remove). */
async function isNew(path: string, now = Date.now()): Promise<boolean> {
  try {
    return now - (await lstat(path)).mtimeMs < NEW_SOCKET_MS;
  } catch {
    return true;
  }
}

interface Meta {
  command?: unknown;
  cwd?: unknown;
  startedAt?: unknown;
}

async function readMeta(socketPath: string): Promise<Meta | null> {
  try {
    // Bounded, and refused unless a regular file: a sidecar is a hint, never worth a hang.
    const read = await readRegularFile(metaPathFor(socketPath), { maxBytes: META_LIMIT_BYTES, what: 'bridge sidecar' });
    if (!read || read.truncated) return null;
    const value: unknown = JSON.parse(read.text);
    return typeof value === 'object' && value !== null ? (value as Meta) : null;
  } catch {
    return null;
  }
}

export async function listBridgeProcesses(options: ListBridgeOptions = {}): Promise<BridgeProcessEntry[]> {
  const dir = options.dir ?? bridgeDirectory();
  const facts = options.facts ?? osProcessFacts;
  const cleanUp = options.cleanUp ?? true;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  // Only now: a missing directory simply means nobody publishes yet.
  checkDirectory(dir);
  const present = new Set(names);
  const entries = await Promise.all(
    names.map(async (file): Promise<BridgeProcessEntry | null> => {
      if (file.endsWith('.json') && !present.has(file.replace(/\.json$/, '.sock'))) {
        // A sidecar whose socket is gone: its process exited between the two unlinks, or was
        // cleaned up by a pass that raced this one.
        if (cleanUp && parseSocketFileName(file.replace(/\.json$/, '.sock'))) await removeQuietly(join(dir, file));
        return null;
      }
      const name = parseSocketFileName(file);
      if (!name) return null;
      const socketPath = join(dir, file);
      const gone =
        !facts.isAlive(name.pid) ||
        sameIncarnation(name.pid, name.start) === false ||
        (name.threadId !== 0 && !(await socketAccepts(socketPath)) && !(await isNew(socketPath)));
      if (gone) {
        if (cleanUp) await Promise.all([removeQuietly(socketPath), removeQuietly(metaPathFor(socketPath))]);
        return null;
      }
      try {
        const st = await lstat(socketPath);
        const uid = process.getuid?.();
        if (!st.isSocket() || (uid !== undefined && st.uid !== uid)) return null;
      } catch {
        return null; // removed while we looked: the process exited
      }
      const meta = await readMeta(socketPath);
      const command = typeof meta?.command === 'string' ? meta.command : (facts.commandLine(name.pid) ?? `pid ${name.pid}`);
      return {
        pid: name.pid,
        threadId: name.threadId,
        command,
        cwd: typeof meta?.cwd === 'string' ? meta.cwd : null,
        startedAt: typeof meta?.startedAt === 'number' ? meta.startedAt : null,
        socketPath,
      };
    }),
  );
  return entries.filter((e): e is BridgeProcessEntry => e !== null).sort((a, b) => a.pid - b.pid || a.threadId - b.threadId);
}
