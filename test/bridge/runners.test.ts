// The register module under real test runners, preloaded through NODE_OPTIONS in smart mode as
// auto-attach does it: vitest's forks pool (child processes), its threads pool (worker
// threads) and plain `node --test`. Each inner test reports its pid/thread and waits until
// this test has found it through discovery and read its snapshot.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBridge, listBridgeProcesses } from '../../src/core/bridge';
import { REPO_ROOT } from '../helpers/processes';
import { bridgeDir, buildScripts, eventually, removeDir, type BuiltScripts } from './helpers';

const FIXTURE = join(REPO_ROOT, 'test/bridge/fixtures/runners');
let scripts: BuiltScripts;
beforeAll(async () => {
  scripts = await buildScripts();
});
afterAll(() => removeDir(scripts.dir));

async function runAndFind(args: string[]): Promise<{ pid: number; threadId: number; command: string; exit: number | null; output: string }> {
  const dir = bridgeDir();
  const handshake = join(dir, 'handshake');
  try {
    const child = spawn(process.execPath, args, {
      cwd: FIXTURE,
      env: {
        ...process.env,
        NODE_OPTIONS: `--require ${scripts.register}`,
        FLAKE_DOCTOR_BRIDGE_MODE: 'smart',
        FLAKE_DOCTOR_BRIDGE_DIR: dir,
        FD_HANDSHAKE: handshake,
        CI: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const who = await eventually(
        () => (existsSync(`${handshake}.who`) ? (JSON.parse(readFileSync(`${handshake}.who`, 'utf8')) as { pid: number; threadId: number }) : undefined),
        'the inner test to report',
        90_000,
      );
      const entry = await eventually(
        async () => (await listBridgeProcesses({ dir })).find((e) => e.pid === who.pid && e.threadId === who.threadId),
        'the test worker listed',
      );
      const client = await connectBridge(entry.socketPath);
      const snapshot = await client.snapshot();
      client.close();
      expect(snapshot.process).toMatchObject({ pid: who.pid, threadId: who.threadId, via: 'register' });
      writeFileSync(`${handshake}.seen`, '');
      return { ...who, command: entry.command, exit: await exited, output };
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    removeDir(dir);
  }
}

const vitestBin = join(REPO_ROOT, 'node_modules/vitest/vitest.mjs');

// Each test starts a whole test runner (and its workers) on a possibly busy 2-core machine:
// generous time limits, which bound a hang without judging speed.
describe('runners', { timeout: 120_000 }, () => {
  it("vitest's forks pool: the worker process publishes", async () => {
    const r = await runAndFind([vitestBin, 'run', '--pool', 'forks', '--root', FIXTURE]);
    expect(r.exit, r.output).toBe(0);
    expect(r.threadId).toBe(0);
  });

  it("vitest's threads pool: the worker thread publishes on its own socket", async () => {
    const r = await runAndFind([vitestBin, 'run', '--pool', 'threads', '--root', FIXTURE]);
    expect(r.exit, r.output).toBe(0);
    expect(r.threadId).toBeGreaterThan(0);
  });

  it('node --test: the test process publishes', async () => {
    const r = await runAndFind(['--test', join(FIXTURE, 'self.node-test.mjs')]);
    expect(r.exit, r.output).toBe(0);
  });
});
