// What observing a process must never change, checked from inside a real user process (the
// register module preloaded, nothing else from Flake Doctor) against the same script run bare:
// an upgrade request after the code closed its ws server, malformed messages on every channel
// observed, ws's own `ping` after close, the main thread's child records when a worker thread
// starts a child, and that every run exits on its own. On Node 20, 22 and 24.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useBridgeTestbed } from '../bridge/helpers';
import { workerScript } from '../helpers/workers';
import { cleanEnv, fixture, NODES } from './observeHelpers';

const bed = useBridgeTestbed();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  results: Record<string, unknown>;
}

function run(node: string, scenarios: string[], opts: { register: boolean; env?: NodeJS.ProcessEnv }): Promise<Run> {
  const args = [...(opts.register ? ['--require', workerScript('src/core/bridge/register.ts')] : []), fixture('invariants.cjs'), ...scenarios];
  const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv({ FLAKE_DOCTOR_BRIDGE_DIR: bed.dir(), ...opts.env }) });
  bed.onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // No timer of ours: a process kept alive fails by the test's own timeout, with nothing to say it exited.
  return new Promise((resolve) =>
    child.once('close', (code) => {
      const results: Record<string, unknown> = {};
      for (const m of stdout.matchAll(/^result (\w+) (.*)$/gm)) results[m[1]!] = JSON.parse(m[2]!);
      resolve({ code, stdout, stderr, results });
    }),
  );
}

describe.each(NODES)('observing changes nothing on %s', (_name, node) => {
  it('an upgrade after ws closed, odd channel messages, ping after close, a worker thread’s child, an idle exit: as without Flake Doctor', async () => {
    const scenarios = ['upgrade', 'malformed', 'pingAfter', 'idle', 'threads'];
    const [bare, attached] = await Promise.all([run(node, scenarios, { register: false }), run(node, scenarios, { register: true })]);
    for (const r of [bare, attached]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('done');
    }
    // Without FLAKE_DOCTOR_DEBUG nothing is printed, whatever the hooks met.
    expect(attached.stderr).toBe('');

    // The ws server's 'upgrade' listener is gone once it closes; ours must go with it, or Node
    // hands the next upgrade to a listener that ignores it instead of to the 'request' handler.
    expect(bare.results.upgrade).toEqual({ listeners: 0, answer: 'HTTP/1.1 200 OK' });
    expect(attached.results.upgrade).toEqual(bare.results.upgrade);

    // A diagnostics_channel subscriber's throw reaches the publisher's process as an uncaught exception.
    expect(bare.results.malformed).toEqual({});
    expect(attached.results.malformed).toEqual({});

    expect(attached.results.pingAfter).toEqual({
      close: { client: true, server: true },
      'removeAllListeners then close': { client: true, server: true },
    });
    expect(attached.results.idle).toEqual(bare.results.idle);

    // The worker's child has exited (its record goes); the main thread's still runs (its record stays).
    expect(attached.results.threads).toEqual(['main-thread-child']);
  });
});

describe('debug notes', () => {
  it('FLAKE_DOCTOR_DEBUG names what was not tracked', async () => {
    const [node] = NODES[0]!.slice(1);
    const r = await run(node!, ['malformed'], { register: true, env: { FLAKE_DOCTOR_DEBUG: '1' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.results.malformed).toEqual({});
    for (const what of ['undici call', 'node:http', 'listens', 'children', 'WebSockets']) expect(r.stderr).toMatch(new RegExp(`${what}.*not tracked`));
  });
});
