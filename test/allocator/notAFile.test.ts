import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workerScript } from '../helpers/workers';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopbackPool, readPoolSource } from '../../src/core/allocator/index';

const tempDir = () => mkdtempSync(join(tmpdir(), 'fd-notfile-'));
const newPool = (poolFile: string) => new LoopbackPool({ poolFile, start: 200, count: 2, probePorts: [9925], warn: () => undefined });

describe('something other than a regular file at the pool path', () => {
  it('a directory at the pool path: a clear error naming it, from acquire, read and the view', async () => {
    const poolFile = join(tempDir(), 'pool.json');
    mkdirSync(poolFile);
    const pool = newPool(poolFile);
    await expect(pool.acquire()).rejects.toThrow(`pool file ${poolFile} is a directory, not a regular file`);
    await expect(pool.read()).rejects.toThrow(`pool file ${poolFile} is a directory`);
    expect((await readPoolSource(poolFile, 2)).error).toContain(`pool file ${poolFile} is a directory`);
  });

  it('a directory at the pool lock path: a clear error naming it', async () => {
    const poolFile = join(tempDir(), 'pool.json');
    mkdirSync(`${poolFile}.lock`);
    await expect(newPool(poolFile).acquire()).rejects.toThrow(`pool lock file ${poolFile}.lock is a directory, not a regular file`);
  });

  describe('a FIFO (in a child process: a blocking read would freeze this one)', () => {
    let child: ChildProcess | undefined;
    afterEach(() => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    it('never blocks: every reader reports the FIFO by name', async () => {
      const dir = tempDir();
      const fifo = join(dir, 'pool.json');
      const lockFifoPool = join(dir, 'other.json');
      for (const path of [fifo, `${lockFifoPool}.lock`]) expect(spawnSync('mkfifo', [path]).status).toBe(0);
      child = spawn(process.execPath, [workerScript('test/allocator/fifoWorker.mts'), fifo, lockFifoPool], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      // No speed assumption: a worker that answers at all has not blocked. One that blocks
      // never answers and is killed by the test timeout (and afterEach).
      const code = await new Promise<number | null>((r) => child!.once('exit', r));
      expect(code, err).toBe(0);
      const result = JSON.parse(out) as Record<string, string>;
      expect(result.acquire).toContain(`pool file ${fifo} is a FIFO (named pipe), not a regular file`);
      expect(result.read).toContain(`pool file ${fifo} is a FIFO`);
      expect(result.view).toContain(`pool file ${fifo} is a FIFO`);
      expect(result.lockAcquire).toContain(`pool lock file ${lockFifoPool}.lock is a FIFO`);
    }, 60_000);
  });
});
