// Pure parsing: lock content, mutex content, /proc/<pid>/stat and cmdline.
import { describe, expect, it } from 'vitest';
import { formatLockContent, parseLockContent, parseMutexContent, parseProcCmdline, parseProcStatStartTime, type LockRecord } from '../../src/core/lock/index';

const full: LockRecord = {
  pid: 4242,
  timestamp: 1_700_000_000_000,
  token: 'abc123',
  host: 'ci-runner-7',
  startTime: '987654',
  bootId: '8b946a03-de64-4cef-a46b-52eb9dd9aca9',
  command: 'node restart.js --fleet',
};

// The origin's reader, as the lock format is described in src/core/lock/README.md: the first three lines, nothing else.
function originParse(text: string): { pid: number; timestamp: number; token: string } | null {
  const [pid, timestamp, token] = text.split('\n');
  if (!pid || !timestamp || !token) return null;
  const result = { pid: Number.parseInt(pid, 10), timestamp: Number(timestamp), token };
  return Number.isFinite(result.pid) && Number.isFinite(result.timestamp) ? result : null;
}

describe('lock content', () => {
  it('round-trips every fact', () => {
    expect(parseLockContent(formatLockContent(full))).toEqual({ ok: true, record: full });
  });

  it('starts with exactly the origin three lines, so the origin parser still reads it', () => {
    const text = formatLockContent(full);
    expect(text.startsWith('4242\n1700000000000\nabc123\n')).toBe(true);
    expect(originParse(text)).toEqual({ pid: 4242, timestamp: 1_700_000_000_000, token: 'abc123' });
  });

  it('reads origin-format content (three lines) with unknown extra facts as null', () => {
    expect(parseLockContent('17\n1700000000000\ntok\n')).toEqual({
      ok: true,
      record: { pid: 17, timestamp: 1_700_000_000_000, token: 'tok', host: null, startTime: null, bootId: null, command: null },
    });
  });

  it('ignores unknown and malformed extra lines (a newer writer may add facts)', () => {
    const parsed = parseLockContent('17\n1\ntok\nfuture=1\nno-equals-sign\nhost=h\n');
    expect(parsed.ok && parsed.record.host).toBe('h');
  });

  it('keeps an injected newline in a recorded command from faking a fact', () => {
    const text = formatLockContent({ ...full, command: 'evil\nhost=elsewhere' });
    const parsed = parseLockContent(text);
    expect(parsed.ok && parsed.record.host).toBe('ci-runner-7');
    expect(parsed.ok && parsed.record.command).toBe('evil host=elsewhere');
  });

  it.each([
    ['empty', '', 'empty file'],
    ['only a pid', '4242\n', 'partial'],
    ['cut inside the timestamp', '4242\n17000', 'partial'],
    ['cut inside the token (no final newline)', '4242\n1700000000000\nabc', 'partial'],
    ['garbage', 'hello world, not a lock\n\n\n', 'not a pid'],
    ['binary', '\u0000\u0001\u0002\n\u00ff\n\n', 'not a pid'],
    ['pid zero', '0\n1700000000000\ntok\n', 'not a valid pid'],
    ['negative pid', '-5\n1700000000000\ntok\n', 'not a pid'],
    ['non-numeric timestamp', '4242\nyesterday\ntok\n', 'not a timestamp'],
    ['huge timestamp', '4242\n99999999999999999999\ntok\n', 'out of range'],
    ['empty token', '4242\n1700000000000\n\n', 'not a token'],
    ['token with spaces', '4242\n1700000000000\nto ken\n', 'not a token'],
  ])('rejects %s as corrupt', (_name, text, reason) => {
    const parsed = parseLockContent(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });
});

describe('mutex content', () => {
  it('parses pid and token, and treats an empty (never written) mutex as unknown', () => {
    expect(parseMutexContent('12\nabc\n')).toEqual({ pid: 12, token: 'abc' });
    expect(parseMutexContent('')).toBeNull();
    expect(parseMutexContent('x\ny\n')).toBeNull();
  });
});

describe('/proc parsing', () => {
  it('takes field 22 counted after the last parenthesis, even with spaces and parens in the name', () => {
    const tail = 'S 1 2 3 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 34780 3133440 355';
    expect(parseProcStatStartTime(`7758 (cat) ${tail}`)).toBe('34780');
    expect(parseProcStatStartTime(`7758 (my (odd) name) ${tail}`)).toBe('34780');
    expect(parseProcStatStartTime('7758 (cat) S 1 2')).toBeNull();
    expect(parseProcStatStartTime('garbage')).toBeNull();
  });

  it('joins NUL-separated argv', () => {
    expect(parseProcCmdline('node\0server.js\0--port\0' + '9926\0')).toBe('node server.js --port 9926');
    expect(parseProcCmdline('')).toBeNull();
  });
});
