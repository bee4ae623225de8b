import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeProcNetAddress, isLoopbackAddress, isWildcardAddress, parseLsofListeners, parseProcNetTcp, TCP_LISTEN } from '../../src/core/allocator/index';
import { parseProcStat } from '../../src/core/process';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

describe('/proc/net/tcp parser (captured text)', () => {
  it('decodes IPv4 loopback, wildcard and state, skipping malformed lines', () => {
    const sockets = parseProcNetTcp(fixture('proc-net-tcp.txt'), 4);
    expect(sockets).toHaveLength(4);
    expect(sockets[0]).toEqual({ family: 4, address: '127.0.0.5', port: 9926, state: TCP_LISTEN, uid: 1000, inode: 41001 });
    expect(sockets[1]).toMatchObject({ address: '0.0.0.0', port: 9925, state: TCP_LISTEN, inode: 41002 });
    expect(sockets[2]).toMatchObject({ address: '127.0.0.1', port: 8080, state: '01' });
    expect(sockets[3]).toMatchObject({ address: '15.2.0.10', port: 22 });
  });

  it('decodes IPv6 loopback, wildcard, IPv4-mapped and link-local addresses', () => {
    const sockets = parseProcNetTcp(fixture('proc-net-tcp6.txt'), 6);
    expect(sockets.map((s) => [s.address, s.port])).toEqual([
      ['::1', 9926],
      ['::', 8080],
      ['::ffff:127.0.0.5', 9925],
      ['fe80::5254:ff:fea6:e2a3', 22],
    ]);
  });

  it('classifies loopback and wildcard addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.9'].every(isLoopbackAddress)).toBe(true);
    expect(['10.0.0.1', '0.0.0.0', '::'].some(isLoopbackAddress)).toBe(false);
    expect(isWildcardAddress('0.0.0.0') && isWildcardAddress('::')).toBe(true);
    expect(decodeProcNetAddress('XYZ')).toBeNull();
    expect(decodeProcNetAddress('GG00007F')).toBeNull();
  });
});

describe('lsof fallback parser', () => {
  it('reads pid, command and each listening address', () => {
    const text = 'p4242\ncnode\nf21\nn127.0.0.5:9926\nf22\nn*:9925\np77\ncpython3\nf3\nn[::1]:8080\n';
    expect(parseLsofListeners(text)).toEqual([
      { address: '127.0.0.5', port: 9926, pid: 4242, command: 'node' },
      { address: '0.0.0.0', port: 9925, pid: 4242, command: 'node' },
      { address: '::1', port: 8080, pid: 77, command: 'python3' },
    ]);
  });
});

describe('/proc/<pid>/stat parser', () => {
  it('counts fields from the last parenthesis so a command with spaces and ")" parses', () => {
    const line = '4242 (my (weird) proc) S 100 4242 4242 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 987654 3133440 407 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pid: 4242, comm: 'my (weird) proc', state: 'S', ppid: 100, pgid: 4242, startTime: 987654 });
  });
  it('rejects truncated text', () => {
    expect(parseProcStat('12 (x) S 1 2')).toBeNull();
    expect(parseProcStat('')).toBeNull();
  });
});
