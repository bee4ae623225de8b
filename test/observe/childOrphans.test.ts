// Children of a real attached process (no Flake Doctor code in it): a python3 server it starts
// is published with its command line and test; once the test process is killed, that server
// and a grandchild started through a shell are orphaned servers in runDoctor, with both pids and
// the starter's command line (the starter's record in the bridge directory keeps what /proc no
// longer has). On Node 20, 22 and 24.
import { describe, expect, it } from 'vitest';
import { connectBridge, listBridgeProcesses } from '../../src/core/bridge';
import { runDoctor, type DoctorConfig } from '../../src/core/doctor';
import { listChildRecordNames } from '../../src/core/observe/childRecords';
import { osProcessFacts } from '../../src/core/process';
import { eventually, kill, useBridgeTestbed } from '../bridge/helpers';
import { freePortOn } from '../helpers/ports';
import { REPO_ROOT } from '../helpers/processes';
import { fixture, NODES, spawnAttached } from './observeHelpers';

const bed = useBridgeTestbed();

function doctorConfig(dir: string): DoctorConfig {
  // An empty pool range far from everything: only the orphans are of interest here.
  return {
    loopback: { config: { start: 250, count: 1, probePorts: [] }, poolFiles: [] },
    locks: { paths: [], staleMs: 60_000, mutexStaleMs: 30_000 },
    sessions: { backlogWarningBytes: 1024 * 1024 },
    calls: { stallThresholdMs: null },
    bridgeDir: dir,
  };
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

describe.each(NODES)('children and orphaned servers on %s', (_name, node) => {
  it('publishes the python child, then reports it and a shell-started grandchild as orphaned once the test process is killed', async () => {
    const dir = bed.dir();
    const port = await freePortOn(['127.0.0.1']);
    const grandPort = await freePortOn(['127.0.0.1']);
    const starter = spawnAttached(node, dir, fixture('childStarter.cjs'), [String(port), String(grandPort), `${REPO_ROOT}/test/helpers/reuseport_listener.py`]);
    bed.onCleanup(() => kill(starter));
    await starter.waitFor('ready ');
    const [, childPid, shellPid] = /ready (\d+) (\d+)/.exec(starter.output())!.map(Number);
    const grandPid = await eventually(async () => {
      const { scanLoopbackListeners } = await import('../../src/core/allocator');
      return (await scanLoopbackListeners()).find((l) => l.port === grandPort)?.pid ?? undefined;
    }, 'the grandchild listening');
    bed.onCleanup(() => [childPid!, shellPid!, grandPid].forEach(killPid));

    const entry = await eventually(async () => (await listBridgeProcesses({ dir })).find((e) => e.pid === starter.child.pid), 'the starter attached');
    const client = await connectBridge(entry.socketPath);
    const snapshot = await client.snapshot();
    client.close();
    expect(snapshot.children).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          pid: childPid,
          command: `python3 -m http.server ${port} --bind 127.0.0.1`,
          subject: `pid ${childPid} python3 -m http.server ${port} --bind 127.0.0.1`,
          test: { file: 'test/server.test.ts', name: 'serves static files' },
        }),
        expect.objectContaining({ pid: shellPid, test: null }),
      ]),
    );
    // While the test process runs, nothing is orphaned.
    // Other test files' servers may be orphans at the same time: only this test's ports count.
    const mine = (problems: Array<{ state: string; subject: string }>) =>
      problems.filter((p) => p.state === 'orphaned-server' && [`127.0.0.1:${port}`, `127.0.0.1:${grandPort}`].includes(p.subject));
    const before = await runDoctor(doctorConfig(dir), {});
    expect(mine(before.problems)).toEqual([]);

    starter.child.kill('SIGKILL');
    await starter.exited;
    const report = await runDoctor(doctorConfig(dir), {});
    const orphans = mine(report.problems) as typeof report.problems;
    const starterRef = { pid: starter.child.pid, command: entry.command };
    expect(orphans).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          area: 'loopback',
          severity: 'warning',
          subject: `127.0.0.1:${port}`,
          culprit: { pid: childPid, command: osProcessFacts.commandLine(childPid!) },
          process: starterRef,
        }),
        expect.objectContaining({ subject: `127.0.0.1:${grandPort}`, culprit: expect.objectContaining({ pid: grandPid }), process: starterRef }),
      ]),
    );
    expect(orphans).toHaveLength(2);
    expect(orphans.find((p) => p.subject === `127.0.0.1:${port}`)!.message).toContain('in test "serves static files" (test/server.test.ts), which has exited');

    // Once the servers are gone, so is the record that traced them.
    [childPid!, shellPid!, grandPid].forEach(killPid);
    await eventually(() => (![childPid!, grandPid].some((p) => osProcessFacts.isAlive(p)) ? true : undefined), 'the servers gone');
    expect(mine((await runDoctor(doctorConfig(dir), {})).problems)).toEqual([]);
    expect(listChildRecordNames(dir)).toEqual([]);
  });
});
