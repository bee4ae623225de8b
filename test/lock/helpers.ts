// Shared test helpers: temp dirs, barriers, and spawning TypeScript workers as real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { onTestFinished } from 'vitest';
import { workerScript, type WorkerEntry } from '../helpers/workers';

export const REPO_ROOT = resolve(__dirname, '../..');

export function makeTempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'flake-doctor-lock-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Resolves every `wait()` once `parties` callers are waiting: forces "all have looked
 * before anyone acts" without relying on timing. */
export function createBarrier(parties: number): { wait: () => Promise<void> } {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolveOpen) => (open = resolveOpen));
  return {
    wait() {
      arrived += 1;
      if (arrived === parties) open();
      return opened;
    },
  };
}

/** A promise with its resolve function outside, for one-shot signals between tasks. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolveFn!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolveFn = r));
  return { promise, resolve: resolveFn };
}

/** Yields to the event loop without a timer: lets other tasks run, independent of clock speed. */
export const yieldSleep = (): Promise<void> => new Promise((r) => setImmediate(r));

export interface Worker {
  child: ChildProcess;
  /** Resolves with the first stdout line equal to `line`. */
  waitForLine(line: string): Promise<void>;
  /** Resolves with exit code/signal and all stdout. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `test/lock/workers/<name>.ts` (compiled once per run, see test/helpers/workers.ts), args passed as JSON. */
export function startWorker(name: string, args: unknown): Worker {
  const child = spawn(process.execPath, [workerScript(`test/lock/workers/${name}.ts` as WorkerEntry), JSON.stringify(args)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    stdout += chunk;
    const lines = stdout.split('\n');
    for (const waiter of [...waiters]) {
      if (lines.includes(waiter.line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolveExit) =>
    child.on('exit', (code, signal) => resolveExit({ code, signal, stdout, stderr })),
  );
  return {
    child,
    exited,
    waitForLine(line) {
      if (stdout.split('\n').includes(line)) return Promise.resolve();
      return new Promise<void>((resolveLine, reject) => {
        waiters.push({ line, resolve: resolveLine });
        void exited.then((e) => reject(new Error(`worker ${name} exited (${e.code ?? e.signal}) before printing ${line}\n${e.stderr}`)));
      });
    },
  };
}

/** The last stdout line of a finished worker, parsed as JSON. */
export function lastJsonLine<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** A real, running process other than this one (an idle Node), killed when the test ends. */
export async function startLiveChild(): Promise<{ pid: number; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)'], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  onTestFinished(kill);
  await new Promise<void>((resolveSpawn, reject) => {
    child.once('spawn', () => resolveSpawn());
    child.once('error', reject);
  });
  return { pid: child.pid!, kill };
}
