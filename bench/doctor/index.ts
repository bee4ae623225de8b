// Doctor benchmark: one full `flake-doctor doctor` pass against what a person would run by
// hand instead — `ss -tlnp` plus one read of each configured lock file — measured in the same
// run, paired round by round. Prints figures and ratios; asserts nothing about speed.
//
//   npx tsx bench/doctor/index.ts        (BENCH_ROUNDS, BENCH_LOCKS tune it)
//
// 1. In process: runDoctor() (pool files, the socket table with owners, every lock, the bridge
//    directory) against spawning `ss -tlnp` and reading the locks. This is the doctor's own cost.
// 2. As a command: `node dist/cli.cjs doctor --json` (the package's bin, built by npm run bench) against
//    the same peer, so Node's own start-up (tens of ms) is in the figure.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { builtCli, importBuilt } from '../built';
import { median } from '../stats';

// What users run: flake-doctor/allocator, /doctor and /lock from the built bundle (dist/lib).
const built = Promise.all([
  importBuilt<typeof import('../../src/core/allocator/index')>('allocator'),
  importBuilt<typeof import('../../src/core/doctor/index')>('doctor'),
  importBuilt<typeof import('../../src/core/lock/index')>('lock'),
]);

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const LOCKS = Number(process.env.BENCH_LOCKS ?? 3);

function spawnTimed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'ignore'], env });
    child.once('error', reject);
    child.once('exit', () => resolve(performance.now() - started));
  });
}

async function peer(locks: string[]): Promise<number> {
  const started = performance.now();
  await spawnTimed('ss', ['-tlnp']);
  for (const l of locks) readFileSync(l, 'utf8');
  return performance.now() - started;
}

async function main(): Promise<void> {
  const [{ DEFAULT_PROBE_PORTS, defaultPoolFile }, { runDoctor }, { writeLockForTesting }] = await built;
  const dir = mkdtempSync(join(tmpdir(), 'fd-bench-doctor-'));
  const bridge = mkdtempSync(join(tmpdir(), 'fdb-'));
  try {
    const locks = Array.from({ length: LOCKS }, (_, i) => join(dir, `l${i}.restart.lock`));
    for (const l of locks) writeLockForTesting(l);
    // The command as the package ships it (package.json "bin"): dist/cli.cjs, built by npm run bench.
    const cli = builtCli();
    const config = {
      loopback: { config: { start: 2, count: 32, probePorts: [...DEFAULT_PROBE_PORTS] }, poolFiles: [defaultPoolFile()] },
      locks: { paths: locks, staleMs: 30_000, mutexStaleMs: 5_000 },
      sessions: { backlogWarningBytes: 1 << 20 },
      calls: { stallThresholdMs: null },
      bridgeDir: bridge,
    };
    const cliArgs = [cli, 'doctor', '--json', '--no-settings', '--locks.paths', locks.join(',')];
    const env = { ...process.env, FLAKE_DOCTOR_BRIDGE_DIR: bridge };
    // Warm-up: page cache, the socket-owner index, Node's compile cache.
    await runDoctor(config);
    await peer(locks);
    await spawnTimed(process.execPath, cliArgs, env);

    const inProc: number[] = [];
    const asCmd: number[] = [];
    const peers: number[] = [];
    const ratioIn: number[] = [];
    const ratioCmd: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const p = await peer(locks);
      const t0 = performance.now();
      await runDoctor(config);
      const d = performance.now() - t0;
      const c = await spawnTimed(process.execPath, cliArgs, env);
      peers.push(p);
      inProc.push(d);
      asCmd.push(c);
      ratioIn.push(d / p);
      ratioCmd.push(c / p);
    }
    const f = (n: number) => `${n.toFixed(1)} ms`;
    console.log(`rounds ${ROUNDS}, ${LOCKS} configured locks, no attached processes`);
    console.log(`peer: ss -tlnp + ${LOCKS} lock reads        median ${f(median(peers))}`);
    console.log(`flake-doctor doctor pass (in process)      median ${f(median(inProc))}   ratio ${median(ratioIn).toFixed(2)}x (goal: within 2x)`);
    console.log(`flake-doctor doctor --json (new process)   median ${f(median(asCmd))}   ratio ${median(ratioCmd).toFixed(2)}x (includes Node start-up)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(bridge, { recursive: true, force: true });
  }
}

void main();
