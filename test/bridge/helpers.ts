import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { CACHE_DIR } from '../../src/core/bridge/codeCache';
import { workerScript } from '../helpers/workers';

export interface BuiltScripts {
  /** The register module, bundled as the package ships it. */
  register: string;
  /** test/bridge/workers/scenario.ts, bundled separately (its cores are another copy). */
  scenario: string;
  /** A scratch directory of the caller's own (removing it leaves the shared build alone). */
  dir: string;
}

/**
 * The register module and the scenario worker, bundled with esbuild once for the whole test run
 * (test/helpers/workers.ts, from the config's global setup), so each child process starts with
 * plain `node` rather than a TypeScript loader, and no test file pays for a build of its own.
 */
export async function buildScripts(): Promise<BuiltScripts> {
  return {
    register: workerScript('src/core/bridge/register.ts'),
    scenario: workerScript('test/bridge/workers/scenario.ts'),
    dir: mkdtempSync(join(tmpdir(), 'fd-bridge-scratch-')),
  };
}

/** A fresh bridge directory (0700) under the temp dir; short, so socket paths stay under 107 bytes. */
export function bridgeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fdb-'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** What processes left in a bridge directory: its entries but the code cache, which stays on purpose (src/core/bridge/codeCache.ts). */
export function publishedEntries(dir: string): string[] {
  return readdirSync(dir).filter((name) => name !== CACHE_DIR);
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface Spawned {
  child: ChildProcess;
  output(): string;
  waitFor(marker: string, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * A started child's stdout and stderr collected into one text, `waitFor(marker)` (which fails
 * at once, with the output, if the child exits first) and its exit: what every real-process
 * test of the bridge and the observers reads its child through.
 */
export function captured(child: ChildProcess, defaultTimeoutMs = 20_000): Spawned {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => out,
    exited,
    waitFor(marker, timeoutMs = defaultTimeoutMs) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const check = (): void => {
          if (out.includes(marker)) return resolve();
          if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`exited before "${marker}": ${out}`));
          if (Date.now() - started > timeoutMs) return reject(new Error(`no "${marker}" within ${timeoutMs} ms: ${out}`));
          setTimeout(check, 10);
        };
        check();
      });
    },
  };
}

/** Starts `node [--require register] scenario.cjs ...steps` with its output captured. */
export function spawnScenario(scripts: BuiltScripts, dir: string, steps: string[], opts: { register?: boolean; env?: NodeJS.ProcessEnv } = {}): Spawned {
  const args = [...(opts.register === false ? [] : ['--require', scripts.register]), scripts.scenario, ...steps];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FLAKE_DOCTOR_BRIDGE_DIR: dir, FLAKE_DOCTOR_BRIDGE_MODE: '', FLAKE_DOCTOR_BRIDGE: '', ...opts.env },
  });
  return captured(child, 15_000);
}

/** An HTTP server that accepts connections and never answers: the broker that hangs. */
export async function startSilentServer(): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/jobs/acquire?token=secret`,
    server,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Polls `check` until it returns a value (not undefined); for conditions that arrive from another process. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function kill(s: Spawned | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGKILL');
  await s.exited;
}

export type SilentServer = Awaited<ReturnType<typeof startSilentServer>>;

/**
 * The hooks every bridge test file needs: the bundled scripts (and a silent server) for the
 * file, and per test the directories, processes and clients it made, removed after it.
 */
export function useBridgeTestbed(options: { silentServer?: boolean } = {}) {
  let scripts: BuiltScripts | null = null;
  let silent: SilentServer | null = null;
  const spawned: Spawned[] = [];
  const dirs: string[] = [];
  const cleanups: Array<() => unknown> = [];
  beforeAll(async () => {
    scripts = await buildScripts();
    if (options.silentServer) silent = await startSilentServer();
  });
  afterAll(async () => {
    await silent?.close();
    if (scripts) removeDir(scripts.dir);
  });
  afterEach(async () => {
    for (const clean of cleanups.splice(0).reverse()) await clean();
    await Promise.all(spawned.splice(0).map(kill));
    for (const d of dirs.splice(0)) removeDir(d);
  });
  return {
    get scripts(): BuiltScripts {
      if (!scripts) throw new Error('scripts are built in beforeAll');
      return scripts;
    },
    get silent(): SilentServer {
      if (!silent) throw new Error('useBridgeTestbed({ silentServer: true }) starts it in beforeAll');
      return silent;
    },
    /** A fresh 0700 bridge directory, removed after the test. */
    dir(): string {
      const d = bridgeDir();
      dirs.push(d);
      return d;
    },
    /** The scenario worker with the register module (see spawnScenario), killed after the test. */
    spawn(dir: string, steps: string[], opts: Parameters<typeof spawnScenario>[3] = {}): Spawned {
      const p = spawnScenario(this.scripts, dir, steps, opts);
      spawned.push(p);
      return p;
    },
    /** Runs after the test, before its processes are killed (last registered, first run). */
    onCleanup(fn: () => unknown): void {
      cleanups.push(fn);
    },
  };
}
