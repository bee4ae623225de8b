// The bridge's trust boundary: same user only, a private directory, sockets of our own; and
// its framing: malformed or oversized messages close that one connection with a clear error.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BridgeDirectoryError, connectBridge, listBridgeProcesses } from '../../src/core/bridge';
import { eventually, kill, removeDir, useBridgeTestbed, type Spawned } from './helpers';

const bed = useBridgeTestbed();
const isRoot = process.getuid?.() === 0;

function freshDir(): string {
  return bed.dir();
}

/** A socket server of the test's own, closed after the test. */
function ownServer(handler?: (socket: import('node:net').Socket) => void): Server {
  const server = createServer(handler);
  bed.onCleanup(() => server.close());
  return server;
}

/** Sends raw bytes to a bridge socket; resolves with every line it got back before the close. */
function rawExchange(socketPath: string, payload: string | Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    // A peer still writing when the bridge closes may see a reset; what arrived before counts.
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    socket.on('close', () => resolve(data.split('\n').filter(Boolean)));
    socket.on('connect', () => socket.write(payload));
  });
}

async function publishing(dir: string): Promise<{ proc: Spawned; socketPath: string }> {
  const proc = bed.spawn(dir, []);
  await proc.waitFor('ready');
  const entry = await eventually(async () => (await listBridgeProcesses({ dir }))[0], 'the process listed');
  return { proc, socketPath: entry.socketPath };
}

describe('framing', () => {
  it('a malformed message closes that connection with a clear error and affects no other', async () => {
    const dir = freshDir();
    const { socketPath, proc } = await publishing(dir);
    const healthy = await connectBridge(socketPath);
    try {
      const lines = await rawExchange(socketPath, 'this is not json\n');
      expect(JSON.parse(lines[0])).toMatchObject({ event: 'hello' });
      const error = JSON.parse(lines[1]) as { id: null; error: { code: string; message: string } };
      expect(error.error.code).toBe('bad_message');
      expect(error.error.message).toContain('not JSON');

      const noId = await rawExchange(socketPath, '{"method":"snapshot"}\n');
      expect(JSON.parse(noId[1]).error.message).toContain('"id"');

      // The other connection still answers, and the process is unaffected.
      expect((await healthy.snapshot()).process.pid).toBe(proc.child.pid);
      expect(proc.child.exitCode).toBeNull();
    } finally {
      healthy.close();
    }
  });

  it('an oversized message is refused once it passes the limit, without waiting for its newline', async () => {
    const dir = freshDir();
    const { socketPath } = await publishing(dir);
    const lines = await rawExchange(socketPath, Buffer.alloc(200 * 1024, 0x61)); // no newline at all
    expect(JSON.parse(lines[1]).error).toMatchObject({ code: 'too_large' });
    // Still serving new connections.
    const c = await connectBridge(socketPath);
    expect((await c.snapshot()).schemaVersion).toBe(1);
    c.close();
  });

  it('an unknown method is an error reply, not a close', async () => {
    const dir = freshDir();
    const { socketPath } = await publishing(dir);
    const socket = connect(socketPath);
    const lines: string[] = [];
    let buffer = '';
    socket.on('data', (d: Buffer) => {
      buffer += d.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts);
    });
    socket.write('{"id":1,"method":"format-disk"}\n{"id":2,"method":"snapshot"}\n');
    await eventually(() => (lines.length >= 3 ? true : undefined), 'two replies');
    socket.destroy();
    expect(JSON.parse(lines[1])).toMatchObject({ id: 1, error: { code: 'unknown_method' } });
    expect(JSON.parse(lines[2])).toMatchObject({ id: 2, result: { schemaVersion: 1 } });
  });

  it('the client closes with a clear error when a process sends something malformed', async () => {
    // A hostile "process" (a real socket in our own directory) that answers garbage.
    const dir = freshDir();
    const socketPath = join(dir, `${process.pid}-zz.sock`);
    const server = ownServer((s) => {
      s.write('{"event":"hello","protocol":1,"schemaVersion":1,"pid":1,"threadId":0}\n');
      s.on('data', () => s.write('{"id":1,"result":{"schemaVersion":1}}\n'));
    });
    await new Promise<void>((r) => server.listen(socketPath, () => r()));
    const client = await connectBridge(socketPath);
    await expect(client.snapshot()).rejects.toMatchObject({ code: 'bad_message' });
    expect(client.closed).toBe(true);
  });

  it('the client times out on a process that never says hello (frozen), instead of hanging', async () => {
    const dir = freshDir();
    const socketPath = join(dir, `${process.pid}-zy.sock`);
    const server = ownServer(() => undefined);
    await new Promise<void>((r) => server.listen(socketPath, () => r()));
    await expect(connectBridge(socketPath, { connectTimeoutMs: 200 })).rejects.toMatchObject({ code: 'timeout' });
  });
});

describe('trust', () => {
  it('a directory anyone else may enter is refused by discovery and by the client, and a process does not publish into it', async () => {
    const dir = freshDir();
    chmodSync(dir, 0o755);
    await expect(listBridgeProcesses({ dir: dir })).rejects.toThrow(/mode 755; it must be 700/);
    const proc = bed.spawn(dir, [], { env: { FLAKE_DOCTOR_DEBUG: '' } });
    await proc.waitFor('ready');
    expect(readdirSync(dir)).toEqual([]);
    // Silent to the user: its output is exactly what the program printed.
    expect(proc.output()).toBe('ready\n');
  });

  it('says why it does not publish only when FLAKE_DOCTOR_DEBUG asks', async () => {
    const dir = freshDir();
    chmodSync(dir, 0o755);
    const proc = bed.spawn(dir, [], { env: { FLAKE_DOCTOR_DEBUG: '1' } });
    await proc.waitFor('ready');
    await eventually(() => (proc.output().includes('not publishing') ? true : undefined), 'the debug line');
    expect(proc.output()).toContain('must be 700');
  });

  it.skipIf(!isRoot)('a directory owned by another user is refused (needs root to make one)', async () => {
    const dir = freshDir();
    chownSync(dir, 65534, 65534);
    await expect(listBridgeProcesses({ dir })).rejects.toThrow(BridgeDirectoryError);
    await expect(listBridgeProcesses({ dir })).rejects.toThrow(/belongs to uid 65534, not to this user/);
    await expect(connectBridge(join(dir, '1-a.sock'))).rejects.toThrow(/belongs to uid 65534/);
    const proc = bed.spawn(dir, []);
    await proc.waitFor('ready');
    expect(readdirSync(dir)).toEqual([]);
  });

  it.skipIf(!isRoot)('a socket owned by another user is refused by the client (needs root to make one)', async () => {
    const dir = freshDir();
    const socketPath = join(dir, `${process.pid}-zx.sock`);
    const server = ownServer();
    await new Promise<void>((r) => server.listen(socketPath, () => r()));
    chownSync(socketPath, 65534, 65534);
    await expect(connectBridge(socketPath)).rejects.toThrow(/bridge socket .* belongs to uid 65534/);
  });

  it('a symbolic link in place of the directory is refused', async () => {
    const real = freshDir();
    const link = `${real}-link`;
    symlinkSync(real, link);
    bed.onCleanup(() => removeDir(link));
    await expect(listBridgeProcesses({ dir: link })).rejects.toThrow(/symbolic link/);
  });

  it('a missing directory means nobody publishes yet (no error), and a process creates it 0700', async () => {
    const parent = freshDir();
    const dir = join(parent, 'not-yet');
    expect(await listBridgeProcesses({ dir })).toEqual([]);
    const proc = bed.spawn(dir, []);
    await proc.waitFor('ready');
    const entries = await eventually(async () => {
      const l = await listBridgeProcesses({ dir });
      return l.length ? l : undefined;
    }, 'listed');
    expect(entries[0].pid).toBe(proc.child.pid);
  });

  it('an entry whose pid now belongs to another incarnation is dropped, never taken for the new process', async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    // A socket named for our own (live) pid but another start time: the pid was reused.
    const socketPath = join(dir, `${process.pid}-1.sock`);
    const server = ownServer();
    await new Promise<void>((r) => server.listen(socketPath, () => r()));
    expect(await listBridgeProcesses({ dir })).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('threads', () => {
  it('a worker thread publishes on a socket of its own, listed with its thread id', async () => {
    const dir = freshDir();
    const code = `const { Worker } = require('node:worker_threads'); new Worker("setInterval(() => {}, 1e9)", { eval: true }); console.log('ready');`;
    const child = spawn(process.execPath, ['--require', bed.scripts.register, '-e', code], {
      env: { ...process.env, FLAKE_DOCTOR_BRIDGE_DIR: dir },
      stdio: 'ignore',
    });
    const proc: Spawned = {
      child,
      output: () => '',
      waitFor: async () => undefined,
      exited: new Promise((r) => child.once('exit', (c, s) => r({ code: c, signal: s }))),
    };
    bed.onCleanup(() => kill(proc));
    const entries = await eventually(async () => {
      const l = await listBridgeProcesses({ dir });
      return l.length === 2 ? l : undefined;
    }, 'main thread and worker listed');
    expect(entries.map((e) => [e.pid, e.threadId])).toEqual([
      [child.pid, 0],
      [child.pid, 1],
    ]);
    const worker = await connectBridge(child.pid!, { dir, threadId: 1 });
    expect((await worker.snapshot()).process.threadId).toBe(1);
    worker.close();
  });
});
