// A failed listen in a real attached process (no Flake Doctor code in it), against a real holder
// in another process: published with the holder's pid and command line, stamped before the
// user's own 'error' handler ran; the retry's server then published as listening. On Node 20,
// 22 and 24.
import { describe, expect, it } from 'vitest';
import { connectBridge, listBridgeProcesses } from '../../src/core/bridge';
import { bridgeProblems } from '../../src/core/doctor';
import { eventually, kill, useBridgeTestbed } from '../bridge/helpers';
import { freePortOn } from '../helpers/ports';
import { startReusePortListener, stopChild } from '../helpers/processes';
import { fixture, NODES, spawnAttached } from './observeHelpers';

const bed = useBridgeTestbed();

describe.each(NODES)('failed listens on %s', (_name, node) => {
  it('publishes an EADDRINUSE with the holder pid and command before the user handler runs, then the retry listening', async () => {
    const dir = bed.dir();
    const port = await freePortOn(['127.0.0.1']);
    const holder = await startReusePortListener('127.0.0.1', [port]);
    bed.onCleanup(() => stopChild(holder));
    const user = spawnAttached(node, dir, fixture('listenUser.cjs'), [String(port)]);
    bed.onCleanup(() => kill(user));
    await user.waitFor('listening ');
    const handlerAt = Number(/handler EADDRINUSE (\d+)/.exec(user.output())![1]);
    const retryPort = Number(/listening (\d+)/.exec(user.output())![1]);

    const entry = await eventually(async () => (await listBridgeProcesses({ dir })).find((e) => e.pid === user.child.pid), 'the user process attached');
    const client = await connectBridge(entry.socketPath);
    bed.onCleanup(() => client.close());
    const snapshot = await client.snapshot();

    expect(snapshot.listenFailures).toHaveLength(1);
    const failure = snapshot.listenFailures![0]!;
    expect(failure).toMatchObject({
      address: '127.0.0.1',
      port,
      code: 'EADDRINUSE',
      subject: `listen 127.0.0.1:${port}: address in use`,
      test: { file: 'test/api.test.ts', name: 'api starts its server' },
      holder: { pid: holder.pid, address: '127.0.0.1' },
    });
    expect(failure.holder!.command).toContain('reuseport_listener.py');
    expect(failure.holder!.startTime).toEqual(expect.any(Number));
    // Recorded whole in the listen's own call, before Node handed the error to the user's handler.
    expect(failure.failedAt).toBeLessThanOrEqual(handlerAt);

    expect(snapshot.servers).toEqual([
      expect.objectContaining({
        address: '127.0.0.1',
        port: retryPort,
        subject: `listening 127.0.0.1:${retryPort}`,
        test: { file: 'test/api.test.ts', name: 'api falls back to any port' },
      }),
    ]);

    // The doctor's problem: listen-in-use, blaming the holder, inside the attached process.
    const problems = bridgeProblems(snapshot).filter((p) => p.state === 'listen-in-use');
    expect(problems).toEqual([
      expect.objectContaining({
        area: 'loopback',
        severity: 'error',
        subject: `127.0.0.1:${port}`,
        culprit: { pid: holder.pid, command: failure.holder!.command },
        process: { pid: user.child.pid, command: snapshot.process.command },
        target: failure.id,
      }),
    ]);
    expect(problems[0]!.message).toContain('in test "api starts its server"');
  });
});
