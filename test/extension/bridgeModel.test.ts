// The extension's view of attached processes, against real publishing processes: appear on a
// directory event, vanish when killed (connection closed), act routed to the right process.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BridgeModel } from '../../src/extension/bridge/bridgeModel';
import { eventually, useBridgeTestbed } from '../bridge/helpers';

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
    await eventually(() => (readdirSync(dir).length === 0 ? true : undefined), 'its socket removed');
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
