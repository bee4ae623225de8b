/**
 * Pure parser for `/proc/<pid>/stat`.
 *
 * The command name (field 2) is wrapped in parentheses and may itself contain spaces and
 * parentheses, so fields are counted from the *last* `)`; splitting the whole line on spaces
 * misreads any process whose name contains a space.
 */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgid: number;
  /** Field 22: start time after boot, in clock ticks. Together with the pid it names one process. */
  startTime: number;
}

export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); field N is rest[N - 3].
  if (rest.length < 20 || !Number.isInteger(pid)) return null;
  const ppid = Number(rest[1]);
  const pgid = Number(rest[2]);
  const startTime = Number(rest[19]);
  if (![ppid, pgid, startTime].every(Number.isFinite)) return null;
  return { pid, comm: text.slice(open + 1, close), state: rest[0] ?? '?', ppid, pgid, startTime };
}

/** Turns `/proc/<pid>/cmdline` (NUL-separated argv) into one display line, `null` when empty. */
export function parseProcCmdline(raw: string): string | null {
  const args = raw.split('\0').filter((arg) => arg.length > 0);
  return args.length === 0 ? null : args.join(' ');
}
