// Discovery removes a worker thread's socket that nobody accepts on (its thread is gone while
// its process lives on) — but never one that may be between bind and listen: listen() on a
// path binds first (the file appears) and listens a moment later, and a connection in between
// is refused. A real Unix socket that is bound and never listened on stands for both: new, it
// is a thread about to serve; old, a thread that died.
import { spawnSync } from 'node:child_process';
import { existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listBridgeProcesses, socketAccepts } from '../../src/core/bridge/discovery';
import { socketFileName } from '../../src/core/bridge/directory';
import { ownStartIdentity } from '../../src/core/bridge/processInfo';
import { bridgeDir, removeDir } from './helpers';

/** A Unix socket file bound by a short-lived process and never listened on: connections are refused. */
function boundNeverListening(path: string): void {
  const r = spawnSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

let dir: string | undefined;
afterEach(() => {
  if (dir) removeDir(dir);
  dir = undefined;
});

describe('listBridgeProcesses and worker-thread sockets nobody accepts on', () => {
  it('keeps a new one (a thread between bind and listen) and removes one that is not new (a thread that died)', async () => {
    dir = bridgeDir();
    // Our own pid and start time: the process is alive and the same incarnation, so only the
    // thread's socket itself can say whether it is gone.
    const path = join(dir, socketFileName({ pid: process.pid, start: ownStartIdentity(), threadId: 7 }));
    boundNeverListening(path);
    expect(await socketAccepts(path)).toBe(false);

    await listBridgeProcesses({ dir });
    expect(existsSync(path)).toBe(true);

    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    expect(await listBridgeProcesses({ dir })).toEqual([]);
    expect(existsSync(path)).toBe(false);
  });
});
