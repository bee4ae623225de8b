import { randomUUID } from 'node:crypto';
import { closeSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { readRegularFileSync } from '../files/regularFile';
import { isSameProcessAlive, osProcessFacts, type ProcessTable } from '../process';
import { withOwnProcessRemembered } from './ownProcess';

/**
 * The lock guarding the pool file: the origin's `open(path, 'wx')` lock holding a token,
 * stale after 10 s.
 *
 * The origin's flaw was in *removing* a lock: two waiters could both judge it stale and the
 * second would delete the first one's fresh lock. Here every removal (a holder's release or
 * a stale takeover) happens while holding `<lock>.reclaim` and only after re-reading the
 * lock and finding exactly the content that was judged; creation needs no guard because
 * `wx` only succeeds on an absent file. A lock is stale when its holder is provably dead
 * (pid + start time) or it is older than `staleMs`.
 *
 * `.reclaim` is held for a few syscalls. A `.reclaim` whose creator is dead, or that is
 * older than `staleMs`, is an orphan of a crash inside that window and is removed.
 *
 * The file operations are synchronous on purpose: each critical section is a handful of
 * syscalls on tiny files, and a thread-pool round trip per syscall made a lease cycle ten
 * times slower than the work itself. Waiting between attempts stays asynchronous.
 */
export const POOL_LOCK_STALE_MS = 10_000;

export interface PoolLockOptions {
  staleMs?: number;
  /** Give up after this long (a live holder never holds the lock for more than a few ms). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  facts?: ProcessTable;
}

interface LockContent {
  pid: number;
  startTime: number | null;
  token: string;
  at: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function parseContent(text: string): LockContent | null {
  const [pid, startTime, token, at] = text.split('\n');
  const content = { pid: Number(pid), startTime: startTime === '-' ? null : Number(startTime), token: token ?? '', at: Number(at) };
  if (!Number.isSafeInteger(content.pid) || content.pid <= 0 || !content.token || !Number.isFinite(content.at)) return null;
  if (content.startTime !== null && !Number.isFinite(content.startTime)) return null;
  return content;
}

// Lock content is four short lines; a bounded read keeps a junk-filled lock file from
// stretching the critical section, and a FIFO or directory in the way is a clear error.
function readText(path: string): string | null {
  return readRegularFileSync(path, { what: 'pool lock file', maxBytes: 4096 })?.text ?? null;
}

/** `unlink`, where `rmSync({ force })` adds two `lstat`s: an absent file is fine, anything else throws. */
function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Unique, not secret: randomUUID draws from a cached batch of random bytes. */
function randomToken(): string {
  return randomUUID().replaceAll('-', '');
}

export class PoolLock {
  private readonly staleMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly facts: ProcessTable;

  constructor(
    readonly path: string,
    options: PoolLockOptions = {},
  ) {
    this.staleMs = options.staleMs ?? POOL_LOCK_STALE_MS;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
    this.facts = withOwnProcessRemembered(options.facts ?? osProcessFacts);
  }

  private content(token: string): string {
    const start = this.facts.startTime(process.pid);
    return `${process.pid}\n${start ?? '-'}\n${token}\n${this.now()}\n`;
  }

  /** Creates `path` exclusively with our content; `false` when it already exists. */
  private create(path: string, text: string): boolean {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    return true;
  }

  private isStale(text: string | null, path: string): boolean {
    const parsed = text === null ? null : parseContent(text);
    if (parsed) {
      if (!isSameProcessAlive(this.facts, parsed.pid, parsed.startTime)) return true;
      return this.now() - parsed.at > this.staleMs;
    }
    // Created but not yet written, or garbage: judge by mtime so a creator mid-write is safe.
    try {
      const stat = statSync(path);
      return this.now() - stat.mtimeMs > this.staleMs;
    } catch {
      return false;
    }
  }

  /** Runs `removal` while holding `<lock>.reclaim`; `false` if the reclaim lock was busy. */
  private underReclaim(removal: () => void): boolean {
    const reclaim = `${this.path}.reclaim`;
    const token = randomToken();
    if (!this.create(reclaim, this.content(token))) {
      const text = readText(reclaim);
      if (text !== null && this.isStale(text, reclaim)) {
        // Orphan of a crashed remover: re-read right before unlinking to narrow the window.
        if (readText(reclaim) === text) removeIfPresent(reclaim);
      }
      return false;
    }
    try {
      removal();
    } finally {
      const mine = readText(reclaim);
      if (mine !== null && parseContent(mine)?.token === token) removeIfPresent(reclaim);
    }
    return true;
  }

  async acquire(): Promise<{ release(): Promise<void> }> {
    const token = randomToken();
    const deadline = this.now() + this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (this.create(this.path, this.content(token))) {
        return { release: () => this.release(token) };
      }
      const observed = readText(this.path);
      if (observed !== null && this.isStale(observed, this.path)) {
        const reclaimed = this.underReclaim(() => {
          // Re-check while holding .reclaim: only the exact lock we judged stale goes.
          if (readText(this.path) === observed) removeIfPresent(this.path);
        });
        // Retry at once only when the reclaim was ours (the stale lock is gone or changed).
        // A busy or orphaned `.reclaim` (an empty one stays "fresh" by mtime for staleMs)
        // is waited for like a busy lock: retrying without sleeping spun this synchronous
        // loop for seconds and froze the event loop.
        if (reclaimed) continue;
      }
      if (this.now() > deadline) throw new Error(`timed out after ${this.timeoutMs} ms waiting for pool lock ${this.path}`);
      await this.sleep(Math.min(1 + attempt, 10) + Math.random() * 2);
    }
  }

  private async release(token: string): Promise<void> {
    for (;;) {
      const done = this.underReclaim(() => {
        const text = readText(this.path);
        if (text !== null && parseContent(text)?.token === token) removeIfPresent(this.path);
      });
      if (done) return;
      await this.sleep(1);
    }
  }
}
