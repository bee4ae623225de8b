// Where the compiled worker scripts are (built once per run by test/setup/workers.ts).
import { inject } from 'vitest';
import type { WorkerEntry } from '../setup/workerEntries';

export type { WorkerEntry } from '../setup/workerEntries';

/** Path of the compiled worker for `entry`; start it with plain `node <path>`. */
export function workerScript(entry: WorkerEntry): string {
  const script = inject('testWorkers')?.scripts[entry];
  if (!script) throw new Error(`worker ${entry} was not built: is test/setup/workers.ts the config's globalSetup?`);
  return script;
}
