// The worker scripts tests start as real processes; compiled once per run by the global setup
// (test/setup/workers.ts) and found by tests with workerScript() (test/helpers/workers.ts).

/** Entry points (repo-relative). `.mts` entries use top-level await and are built as ES modules. */
export const WORKER_ENTRIES = [
  'src/core/bridge/register.ts', // loaded with --require, as the package ships it
  'test/bridge/workers/scenario.ts', // bundled separately: its cores are another copy
  'test/lock/workers/contender.ts',
  'test/lock/workers/crasher.ts',
  'test/allocator/leaseWorker.mts',
  'test/allocator/fifoWorker.mts',
  'test/allocator/epermProbe.mts',
] as const;
export type WorkerEntry = (typeof WORKER_ENTRIES)[number];

export interface BuiltWorkers {
  dir: string;
  scripts: Record<string, string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    testWorkers: BuiltWorkers;
  }
}
