// The Loopback Addresses view's orphaned servers and failed listens: the model finds a real
// orphan (a python3 server whose real attached test process was killed), the rows name both
// pids and the starter, and Break (fake host, real process) confirms naming pid and command,
// then stops it; untrusted: nothing asked, nothing stopped.
import { describe, expect, it } from 'vitest';
import { scanLoopbackListeners } from '../../src/core/allocator';
import type { BridgeSnapshot } from '../../src/core/bridge/types';
import { stopServerCommand } from '../../src/extension/loopback/commands/stopServer';
import { loopbackProblems } from '../../src/extension/loopback/loopbackProblems';
import { LoopbackModel } from '../../src/extension/loopback/loopbackModel';
import { listenFailureRows, orphanRows } from '../../src/extension/loopback/serverRows';
import { kill, useBridgeTestbed } from '../bridge/helpers';
import { fakeHost, silentLog } from '../helpers/fakeHost';
import { freePortOn } from '../helpers/ports';
import { REPO_ROOT } from '../helpers/processes';
import { fixture, spawnAttached } from '../observe/observeHelpers';

const bed = useBridgeTestbed();

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function orphanedPythonServer() {
  const dir = bed.dir();
  const [port, grandPort] = [await freePortOn(['127.0.0.1']), await freePortOn(['127.0.0.1'])];
  const starter = spawnAttached(process.execPath, dir, fixture('childStarter.cjs'), [
    String(port),
    String(grandPort),
    `${REPO_ROOT}/test/helpers/reuseport_listener.py`,
  ]);
  bed.onCleanup(() => kill(starter));
  await starter.waitFor('ready ');
  const [, childPid, shellPid] = /ready (\d+) (\d+)/.exec(starter.output())!.map(Number);
  const grandPid = (await scanLoopbackListeners()).find((l) => l.port === grandPort)?.pid ?? null;
  bed.onCleanup(() => [childPid!, shellPid!, grandPid ?? 0].filter((p) => p > 0).forEach(killPid));
  const model = new LoopbackModel(
    {
      config: { start: 250, count: 1, probePorts: [] },
      poolFiles: [],
      foreignPoolFiles: [],
      originStart: 2,
      minScanIntervalMs: 1000,
      breakGraceMs: 1000,
      connectProbe: false,
    },
    undefined,
    () => dir,
  );
  bed.onCleanup(() => model.dispose());
  await model.refresh();
  // Other files' servers may be orphans too: only this test's ports are looked at.
  expect(model.orphans.filter((o) => o.port === port)).toEqual([]);
  starter.child.kill('SIGKILL');
  await starter.exited;
  await model.refresh();
  return { model, port, childPid: childPid!, starterPid: starter.child.pid! };
}

describe('Loopback Addresses: orphaned servers', () => {
  it('lists the orphan with both pids and the starter, offers Break in the problem list, and Break stops it after confirming', async () => {
    const { model, port, childPid, starterPid } = await orphanedPythonServer();
    const rows = orphanRows(model.orphans).filter((r) => r.subject === `127.0.0.1:${port}`);
    expect(rows).toEqual([
      expect.objectContaining({
        state: 'orphaned-server',
        description: `orphaned server · pid ${childPid} · starter pid ${starterPid} exited`,
        stop: expect.objectContaining({ pid: childPid, command: expect.stringContaining(`python3 -m http.server ${port} --bind 127.0.0.1`) }),
      }),
    ]);
    expect(rows[0]!.facts[1]).toMatch(new RegExp(`^started by pid ${starterPid} \\(.*childStarter\\.cjs.*\\) in test "serves static files"`));
    const problems = loopbackProblems(model.snapshot!, async () => undefined, model.orphans).filter((p) => p.state === 'orphaned-server');
    expect(problems.find((p) => p.label === `127.0.0.1:${port}: orphaned server`)?.fixes[0]).toMatchObject({
      command: 'flakeDoctor.loopback.stopServer',
      args: [`127.0.0.1:${port}`],
    });

    const untrusted = fakeHost({ trusted: false, answers: [true] });
    await stopServerCommand(() => rows, 1000, untrusted, silentLog, `127.0.0.1:${port}`);
    expect(untrusted.asked).toHaveLength(0);
    expect(() => process.kill(childPid, 0)).not.toThrow();

    const host = fakeHost({ answers: [true] });
    await stopServerCommand(() => rows, 1000, host, silentLog, `127.0.0.1:${port}`);
    expect(host.asked).toHaveLength(1);
    expect(host.asked[0]!.message).toBe(`Stop pid ${childPid} listening on 127.0.0.1:${port}?`);
    expect(host.asked[0]!.detail).toMatch(new RegExp(`pid ${childPid}: \\S*python3 -m http\\.server ${port} --bind 127\\.0\\.0\\.1`));
    expect(host.asked[0]!.detail).toContain(`started by pid ${starterPid}`);
    expect(host.said.at(-1)).toMatch(new RegExp(`^info: Break 127\\.0\\.0\\.1:${port}: pid ${childPid} (stopped|killed)`));
    expect(() => process.kill(childPid, 0)).toThrow();
  });
});

describe('Loopback Addresses: failed listens', () => {
  it('lists an EADDRINUSE of an attached process with the holder to stop (not the process itself)', () => {
    const snapshot = {
      process: { pid: 10, command: 'node --test api.test.js' },
      listenFailures: [
        {
          id: 'listen-failure:1',
          subject: 'listen 127.0.0.1:3000: address in use',
          startedAt: 1,
          failedAt: 2,
          test: { file: 'api.test.js', name: 'starts' },
          address: '127.0.0.1',
          port: 3000,
          code: 'EADDRINUSE',
          holder: { pid: 20, command: 'python3 srv.py', startTime: 5, address: '127.0.0.1' },
        },
        { id: 'listen-failure:2', subject: 'x', startedAt: 1, failedAt: 2, test: null, address: '::', port: 80, code: 'EACCES', holder: null },
      ],
    } as unknown as BridgeSnapshot;
    expect(listenFailureRows([snapshot, null])).toEqual([
      {
        id: 'listen:10:listen-failure:1',
        state: 'listen-in-use',
        subject: '127.0.0.1:3000',
        description: 'address in use · pid 10 failed · held by pid 20',
        facts: ['listen failed in pid 10: node --test api.test.js', 'in test "starts" (api.test.js)', 'held by pid 20: python3 srv.py'],
        stop: { pid: 20, startTime: 5, command: 'python3 srv.py' },
      },
    ]);
  });
});
