// The orphan detector's pid-reuse rules, against real record files: a recorded child whose pid
// now names another process is not blamed, and a starter whose pid was reused counts as exited.
// The process table is injected (a reused pid cannot be staged for real on demand; the mock
// stands in for /proc only), the records are real files in a real bridge directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoopbackListener } from '../../src/core/allocator';
import { CHILD_RECORDS_VERSION, listChildRecordNames, writeChildRecords } from '../../src/core/observe/childRecords';
import { findOrphanedServers } from '../../src/core/observe/orphans';
import type { ProcessTable } from '../../src/core/process';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function table(procs: Record<number, { start: number; command: string }>): ProcessTable {
  return {
    isAlive: (pid) => pid in procs,
    startTime: (pid) => procs[pid]?.start ?? null,
    commandLine: (pid) => procs[pid]?.command ?? null,
    uid: () => 1000,
    parentPid: () => 1,
  };
}

const listener = (pid: number, port = 8000): LoopbackListener => ({ address: '127.0.0.1', port, pid, command: 'python3 -m http.server', wildcard: false });

function setup(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fd-orphan-'));
  dirs.push(dir);
  writeChildRecords(dir, {
    version: CHILD_RECORDS_VERSION,
    starter: { pid: 100, start: (500).toString(36), command: 'node --test api.test.js', cwd: '/w' },
    children: [{ pid: 200, startTime: 600, command: 'python3 -m http.server', startedAt: 1, test: { file: 'api.test.js', name: 'serves' } }],
  });
  return dir;
}

describe('orphaned servers and pid reuse', () => {
  it('blames a recorded child whose starter has exited, with the starter and the test', async () => {
    const dir = setup();
    const orphans = await findOrphanedServers([listener(200)], { dir, facts: table({ 200: { start: 600, command: 'python3' } }), environOf: () => null });
    expect(orphans).toEqual([
      expect.objectContaining({
        pid: 200,
        startTime: 600,
        via: 'record',
        starter: { pid: 100, command: 'node --test api.test.js', cwd: '/w', test: { file: 'api.test.js', name: 'serves' }, startedAt: 1 },
      }),
    ]);
  });

  it('treats a starter pid now held by another incarnation as exited', async () => {
    const dir = setup();
    const facts = table({ 100: { start: 900, command: 'bash' }, 200: { start: 600, command: 'python3' } });
    expect(await findOrphanedServers([listener(200)], { dir, facts, environOf: () => null })).toHaveLength(1);
  });

  it('does not blame a process that reused a recorded child pid, and drops the record no one needs', async () => {
    const dir = setup();
    const facts = table({ 200: { start: 700, command: 'unrelated' } });
    expect(await findOrphanedServers([listener(200)], { dir, facts, environOf: () => null })).toEqual([]);
    expect(listChildRecordNames(dir)).toEqual([]);
  });

  it('keeps quiet while the starter runs', async () => {
    const dir = setup();
    const facts = table({ 100: { start: 500, command: 'node' }, 200: { start: 600, command: 'python3' } });
    expect(await findOrphanedServers([listener(200)], { dir, facts, environOf: () => null })).toEqual([]);
    expect(listChildRecordNames(dir)).toHaveLength(1);
  });

  it('traces a grandchild through its inherited environment; a live pid younger than the server is not its starter', async () => {
    const dir = setup();
    const env = 'PATH=/bin\0FLAKE_DOCTOR_BRIDGE_ATTACHED_PID=300\0';
    const young = table({ 300: { start: 999, command: 'vim' }, 400: { start: 650, command: 'python3' } });
    expect(await findOrphanedServers([listener(400, 9000)], { dir, facts: young, environOf: () => env })).toEqual([
      expect.objectContaining({ pid: 400, port: 9000, via: 'environment', starter: expect.objectContaining({ pid: 300, command: null }) }),
    ]);
    const elder = table({ 300: { start: 10, command: 'node' }, 400: { start: 650, command: 'python3' } });
    expect(await findOrphanedServers([listener(400, 9000)], { dir, facts: elder, environOf: () => env })).toEqual([]);
  });
});
