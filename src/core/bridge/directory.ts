// Where bridge sockets live, and why a directory is trusted. Same user only: the directory is
// the user's, mode 0700, not a symlink; a socket in it must be the user's too. Anything else
// is refused, because connecting to a socket someone else planted would hand them our
// actions, and publishing into their directory would hand them our process.

import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class BridgeDirectoryError extends Error {
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super(message);
    this.name = 'BridgeDirectoryError';
  }
}

function currentUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
}

/**
 * The bridge directory: FLAKE_DOCTOR_BRIDGE_DIR when set; else `$XDG_RUNTIME_DIR/flake-doctor`
 * (per user, tmpfs, cleaned at logout); else `<tmpdir>/flake-doctor-bridge-<uid>`.
 */
export function bridgeDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.FLAKE_DOCTOR_BRIDGE_DIR;
  if (explicit !== undefined && explicit.trim() !== '') return explicit;
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && runtime.startsWith('/') && isOwnedDirectory(runtime)) return join(runtime, 'flake-doctor');
  const uid = currentUid();
  return join(tmpdir(), `flake-doctor-bridge-${uid ?? 'user'}`);
}

function isOwnedDirectory(path: string): boolean {
  try {
    const st = lstatSync(path);
    const uid = currentUid();
    return st.isDirectory() && (uid === null || st.uid === uid);
  } catch {
    return false;
  }
}

/** Throws BridgeDirectoryError unless `dir` is a real directory of ours that only we can enter. */
export function checkDirectory(dir: string): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch (err) {
    throw new BridgeDirectoryError(dir, `bridge directory ${dir} cannot be read: ${(err as Error).message}`);
  }
  if (st.isSymbolicLink()) throw new BridgeDirectoryError(dir, `bridge directory ${dir} is a symbolic link; refusing it (it must be a directory of its own)`);
  if (!st.isDirectory()) throw new BridgeDirectoryError(dir, `bridge directory ${dir} is not a directory`);
  const uid = currentUid();
  if (uid !== null && st.uid !== uid)
    throw new BridgeDirectoryError(dir, `bridge directory ${dir} belongs to uid ${st.uid}, not to this user (uid ${uid}); refusing it`);
  if ((st.mode & 0o077) !== 0) {
    throw new BridgeDirectoryError(
      dir,
      `bridge directory ${dir} has mode ${(st.mode & 0o777).toString(8)}; it must be 700 (only its owner may enter it). Fix: chmod 700 ${dir}`,
    );
  }
}

/** Creates the directory (0700) if missing, then checks it. */
export function ensureDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new BridgeDirectoryError(dir, `bridge directory ${dir} cannot be created: ${(err as Error).message}`);
  }
  checkDirectory(dir);
}

/** Throws unless `socketPath` is a socket owned by this user. */
export function checkSocket(socketPath: string): void {
  let st;
  try {
    st = lstatSync(socketPath);
  } catch (err) {
    throw new BridgeDirectoryError(socketPath, `bridge socket ${socketPath} cannot be read: ${(err as Error).message}`);
  }
  if (!st.isSocket()) throw new BridgeDirectoryError(socketPath, `${socketPath} is not a socket; refusing it`);
  const uid = currentUid();
  if (uid !== null && st.uid !== uid)
    throw new BridgeDirectoryError(socketPath, `bridge socket ${socketPath} belongs to uid ${st.uid}, not to this user (uid ${uid}); refusing it`);
}

/**
 * File names: `<pid>-<start>.sock` for a main thread, `<pid>-<start>-t<threadId>.sock` for a
 * worker thread. The start time makes each name unique to one incarnation of a pid, so a
 * reused pid never takes over (or is removed as) a dead process's entry.
 */
export interface SocketName {
  pid: number;
  start: string;
  threadId: number;
}

const NAME = /^(\d+)-([0-9a-z]+)(?:-t(\d+))?\.sock$/;

export function socketFileName(name: SocketName): string {
  return `${name.pid}-${name.start}${name.threadId ? `-t${name.threadId}` : ''}.sock`;
}

export function parseSocketFileName(file: string): SocketName | null {
  const m = NAME.exec(file);
  if (!m) return null;
  const pid = Number(m[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  return { pid, start: m[2], threadId: m[3] ? Number(m[3]) : 0 };
}

/** The sidecar with what discovery lists without connecting (command, cwd, start time). */
export function metaPathFor(socketPath: string): string {
  return socketPath.replace(/\.sock$/, '.json');
}
