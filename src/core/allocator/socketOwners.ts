import { readdirSync, readlinkSync } from 'node:fs';

/**
 * Maps socket inodes to the pid holding them, by reading `/proc/<pid>/fd/*` links
 * (`socket:[<inode>]`), the way `ss -p` and VS Code's Ports view do.
 *
 * Walking every fd of every process is the expensive part of a scan, so the last answer
 * for each inode is remembered together with the fd that proved it; on the next scan a
 * single `readlink` confirms it, and the full walk runs only for inodes still unknown.
 * Processes we may not inspect (other users, without root) are skipped: their sockets
 * stay without a pid rather than being guessed.
 */
export class SocketOwnerIndex {
  private readonly known = new Map<number, { pid: number; fd: string }>();
  /** Inodes a full walk could not attribute (another pid namespace, another user's process). */
  private unresolved = new Set<number>();
  /** Pids already walked since the last full walk: only newcomers can explain an old unresolved inode. */
  private walkedPids = new Set<string>();
  private lastFullWalk = -Infinity;

  constructor(
    private readonly procRoot = '/proc',
    /** A full walk is repeated at least this often, in case a socket was passed to an old process. */
    private readonly fullWalkEveryMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  resolve(inodes: ReadonlySet<number>): Map<number, number> {
    const owners = new Map<number, number>();
    const missing = new Set<number>();
    for (const inode of inodes) {
      const hint = this.known.get(inode);
      if (hint && this.linkTarget(hint.pid, hint.fd) === `socket:[${inode}]`) owners.set(inode, hint.pid);
      else missing.add(inode);
    }
    for (const inode of this.known.keys()) if (!inodes.has(inode)) this.known.delete(inode);
    if (missing.size === 0) return owners;
    // Without this, one socket whose owner is invisible would force a full walk on every scan.
    const onlyKnownUnresolved = [...missing].every((inode) => this.unresolved.has(inode));
    const full = !onlyKnownUnresolved || this.now() - this.lastFullWalk > this.fullWalkEveryMs;
    if (full) {
      this.walkedPids = new Set();
      this.lastFullWalk = this.now();
    }
    this.walk(missing, owners, full);
    this.unresolved = missing;
    return owners;
  }

  private linkTarget(pid: number, fd: string): string | null {
    try {
      return readlinkSync(`${this.procRoot}/${pid}/fd/${fd}`);
    } catch {
      return null;
    }
  }

  private walk(missing: Set<number>, owners: Map<number, number>, full: boolean): void {
    let pids: string[];
    try {
      pids = readdirSync(this.procRoot);
    } catch {
      return;
    }
    for (const name of pids) {
      if (missing.size === 0) return;
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      if (!full && this.walkedPids.has(name)) continue;
      this.walkedPids.add(name);
      const pid = Number(name);
      let fds: string[];
      try {
        fds = readdirSync(`${this.procRoot}/${name}/fd`);
      } catch {
        continue; // gone, or not ours to read
      }
      for (const fd of fds) {
        const target = this.linkTarget(pid, fd);
        if (target === null || !target.startsWith('socket:[')) continue;
        const inode = Number(target.slice(8, -1));
        if (missing.delete(inode)) {
          owners.set(inode, pid);
          this.known.set(inode, { pid, fd });
          if (missing.size === 0) return;
        }
      }
    }
  }
}
