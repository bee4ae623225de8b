// Pure parsing and formatting of lock-file content. No fs, no clock: callers pass text in and
// get a record (or the reason it is corrupt) out, so every corner case is unit-testable.
//
// The origin's format is exactly three lines, `pid\ntimestamp\ntoken\n`. Tools that still use
// the origin's parser read only those three lines, so every extra fact we record goes AFTER
// the third line as `key=value` lines; the origin parser ignores them and ours reads them.

/** What a lock file says about its holder. Every field is JSON-serialisable. */
export interface LockRecord {
  /** Holder's process id. */
  pid: number;
  /** When the holder took the lock, epoch milliseconds (the holder's clock). */
  timestamp: number;
  /** Random token naming this one acquisition; release and break are gated on it. */
  token: string;
  /** Host the holder ran on; `null` in origin-format content (three lines only). */
  host: string | null;
  /** Holder's process start time as the OS reports it (Linux: clock ticks since boot, from
   * /proc/<pid>/stat field 22); `null` where the platform does not expose it. Together with
   * the pid it names one process instance, so a reused pid is recognised. */
  startTime: string | null;
  /** Boot id of the holder's machine (Linux: /proc/sys/kernel/random/boot_id); start times
   * restart from zero at boot, so they are only comparable within one boot. */
  bootId: string | null;
  /** Holder's command line as it recorded it (one line, truncated); for humans only. */
  command: string | null;
}

export type ParseResult = { ok: true; record: LockRecord } | { ok: false; reason: string };

const MAX_COMMAND_CHARS = 200;
const DIGITS = /^[0-9]+$/;
// The token is written by us or by the origin; either way it is a single word.
const TOKEN = /^[^\s=]+$/;

/**
 * Parses lock content. Corrupt content (empty, partial, garbage) yields `{ ok: false }` with
 * a reason for the view; judging a timestamp against a clock is not parsing and is left to
 * the caller (see `judgeLock`).
 */
export function parseLockContent(text: string): ParseResult {
  if (text.length === 0) return { ok: false, reason: 'empty file' };
  const lines = text.split('\n');
  // A complete record ends its third line with '\n'; without it the writer may have been cut
  // off mid-token (the origin writes in place), so a shorter token must not be trusted.
  if (lines.length < 4) return { ok: false, reason: 'partial content (fewer than three complete lines)' };
  const [pidLine, timestampLine, token] = lines as [string, string, string];
  if (!DIGITS.test(pidLine)) return { ok: false, reason: `line 1 is not a pid: ${preview(pidLine)}` };
  const pid = Number(pidLine);
  if (!Number.isSafeInteger(pid) || pid <= 0) return { ok: false, reason: `line 1 is not a valid pid: ${preview(pidLine)}` };
  if (!DIGITS.test(timestampLine)) return { ok: false, reason: `line 2 is not a timestamp: ${preview(timestampLine)}` };
  const timestamp = Number(timestampLine);
  if (!Number.isSafeInteger(timestamp)) return { ok: false, reason: `line 2 is out of range: ${preview(timestampLine)}` };
  if (!TOKEN.test(token)) return { ok: false, reason: `line 3 is not a token: ${preview(token)}` };

  const extra = new Map<string, string>();
  for (const line of lines.slice(3)) {
    const eq = line.indexOf('=');
    // Unknown or malformed extra lines are ignored: a newer writer may add facts.
    if (eq > 0) extra.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return {
    ok: true,
    record: {
      pid,
      timestamp,
      token,
      host: nonEmpty(extra.get('host')),
      startTime: nonEmpty(extra.get('start')),
      bootId: nonEmpty(extra.get('boot')),
      command: nonEmpty(extra.get('cmd')),
    },
  };
}

/** Formats a record as origin-compatible content: the three origin lines, then our facts. */
export function formatLockContent(record: LockRecord): string {
  let text = `${record.pid}\n${record.timestamp}\n${record.token}\n`;
  if (record.host !== null) text += `host=${oneLine(record.host)}\n`;
  if (record.startTime !== null) text += `start=${oneLine(record.startTime)}\n`;
  if (record.bootId !== null) text += `boot=${oneLine(record.bootId)}\n`;
  if (record.command !== null) text += `cmd=${oneLine(record.command).slice(0, MAX_COMMAND_CHARS)}\n`;
  return text;
}

/** The registry mutex (and its `.reclaim`) hold `pid\ntoken\n`; the pid is for the view. */
export function formatMutexContent(pid: number, token: string): string {
  return `${pid}\n${token}\n`;
}

/** Returns the mutex holder's pid and token, or `null` for an empty or unreadable mutex (its
 * creator may have died between creating it and writing it). */
export function parseMutexContent(text: string): { pid: number; token: string } | null {
  const [pidLine, token] = text.split('\n');
  if (pidLine === undefined || token === undefined || !DIGITS.test(pidLine) || !TOKEN.test(token)) return null;
  const pid = Number(pidLine);
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, token } : null;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.length === 0 ? null : value;
}

// Newlines inside a value would start a new line and could fake a key; flatten them.
function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

function preview(line: string): string {
  return JSON.stringify(line.length > 40 ? `${line.slice(0, 40)}…` : line);
}
