// The extension's view of attached processes, against real publishing processes: appear on a
// directory event, vanish when killed (connection closed), act routed to the right process.
import { spawnSync } from 'node:child_process';
import { renameSync, unlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listBridgeProcesses } from '../../src/core/bridge';
import { BridgeModel } from '../../src/extension/bridge/bridgeModel';
import { eventually, publishedEntries, useBridgeTestbed } from '../bridge/helpers';

const bed = useBridgeTestbed({ silentServer: true });

async function model(): Promise<{ m: BridgeModel; dir: string }> {
  const dir = bed.dir();
  const m = new BridgeModel({ dir, ownPid: process.pid });
  bed.onCleanup(() => m.dispose());
  await m.start();
  return { m, dir };
}

describe('BridgeModel', () => {
  it('attaches a process that starts after it (directory watch), with its snapshot, and detaches it when killed', async () => {
    const { m, dir } = await model();
    expect(m.processes()).toEqual([]);
    const detached: string[] = [];
    m.on('detached', (p) => detached.push(p.key));
    const proc = bed.spawn(dir, ['fetch', bed.silent.url], { env: { FLAKE_DOCTOR_STALL_MS: '100' } });
    const attached = await eventually(
      () => m.processes().find((p) => p.snapshot?.httpCalls.some((c) => c.stalled)),
      'the process attached with its stalled call',
    );
    expect(attached.key).toBe(String(proc.child.pid));
    expect(attached.entry.command).toContain('scenario.cjs');

    proc.child.kill('SIGKILL');
    await eventually(() => (m.processes().length === 0 ? true : undefined), 'the killed process detached');
    expect(detached).toEqual([attached.key]);
    // What the killed process left behind is cleaned by the rescan that followed.
    await eventually(() => (publishedEntries(dir).length === 0 ? true : undefined), 'its socket removed');
  });

  it('retries an attach that was refused (a socket listed between its bind and its listen) without waiting for a directory event', async () => {
    const dir = bed.dir();
    const proc = bed.spawn(dir, ['fetch', bed.silent.url]);
    const entry = await eventually(async () => (await listBridgeProcesses({ dir })).find((e) => e.pid === proc.child.pid), 'the process listed');
    // Stand-in for the moment between bind and listen: the process's socket moved aside, and a
    // real socket that is bound but never listened on in its place, so the connection is refused.
    const aside = `${entry.socketPath}.aside`;
    renameSync(entry.socketPath, aside);
    const bind = spawnSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', entry.socketPath], { encoding: 'utf8' });
    expect(bind.status, bind.stderr).toBe(0);
    // No start(): no directory watch, so only the model's own retry can attach it again.
    const m = new BridgeModel({ dir, ownPid: process.pid, attachRetryMs: 20 });
    bed.onCleanup(() => m.dispose());
    const problems: string[] = [];
    m.on('problem', (message) => {
      problems.push(message);
      // The process listens now: its own socket back in place before any retry can run.
      if (problems.length === 1) {
        unlinkSync(entry.socketPath);
        renameSync(aside, entry.socketPath);
      }
    });
    await m.rescan();
    await eventually(() => (problems.length > 0 ? true : undefined), 'the refused attach reported');
    expect(problems).toEqual([expect.stringContaining(`could not attach to pid ${proc.child.pid}`)]);
    const attached = await eventually(() => m.process(String(proc.child.pid))?.snapshot ?? undefined, 'the process attached on a retry');
    expect(attached.httpCalls).toHaveLength(1);
  });

  it('finds a process whose directory events were lost while sweeping (a view is visible), and not without', async () => {
    const dir = bed.dir();
    // No start(): no directory watch, the same as a watch whose events for this process were lost.
    const m = new BridgeModel({ dir, ownPid: process.pid, sweepIntervalMs: 50 });
    bed.onCleanup(() => m.dispose());
    const proc = bed.spawn(dir, ['fetch', bed.silent.url]);
    await eventually(async () => (await listBridgeProcesses({ dir })).find((e) => e.pid === proc.child.pid), 'the process listed');
    // Not sweeping (every view hidden): listed for several sweep intervals, still unseen.
    await new Promise((r) => setTimeout(r, 300));
    expect(m.processes()).toEqual([]);
    m.setSweeping(true);
    const attached = await eventually(() => m.process(String(proc.child.pid))?.snapshot ?? undefined, 'the process attached by a sweep');
    expect(attached.httpCalls).toHaveLength(1);
  });

  it('routes an action to the process that owns the target, and refuses one for a process that is gone', async () => {
    const { m, dir } = await model();
    const a = bed.spawn(dir, ['fetch', bed.silent.url]);
    const b = bed.spawn(dir, ['fetch', bed.silent.url]);
    const [pa, pb] = await eventually(() => {
      const ps = m.processes().filter((p) => (p.snapshot?.httpCalls.length ?? 0) > 0);
      return ps.length === 2 ? ps.sort((x, y) => x.entry.pid - y.entry.pid) : undefined;
    }, 'both processes attached with a call each');
    const target = pa.snapshot!.httpCalls[0].id;
    await m.act(pa.key, { target, action: 'break' });
    const exitA = await (pa.entry.pid === a.child.pid ? a : b).exited;
    expect(exitA.code).toBe(3);
    // The other process's call is untouched.
    const other = pa.entry.pid === a.child.pid ? b : a;
    expect(other.child.exitCode).toBeNull();
    expect(m.process(pb.key)?.snapshot?.httpCalls).toHaveLength(1);
    await eventually(() => (m.process(pa.key) ? undefined : true), 'the exited process detached');
    await expect(m.act(pa.key, { target, action: 'break' })).rejects.toThrow(/no longer attached/);
  });

  it('reports a refused directory once, as a problem for the log, instead of throwing', async () => {
    const dir = bed.dir();
    const { chmodSync } = await import('node:fs');
    chmodSync(dir, 0o777);
    const m = new BridgeModel({ dir });
    bed.onCleanup(() => m.dispose());
    const problems: string[] = [];
    m.on('problem', (p) => problems.push(p));
    await m.start();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/must be 700/);
  });
});
