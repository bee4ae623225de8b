// What the plugin (main process) hands to the workers, and what a worker hands back with a
// failed test. Both cross a process boundary, so both are plain JSON.

import type { FailureCulprit } from '../runners/common/culprits';
import type { Leftover } from '../runners/common/leftovers';

declare module 'vitest' {
  export interface ProvidedContext {
    flakeDoctor: FlakeDoctorProvided;
  }
}

/** `inject('flakeDoctor')` in a worker. */
export interface FlakeDoctorProvided {
  /** A call in flight this long when a test fails is named as a culprit. */
  stallThresholdMs: number;
  /** The pool `loopbackAddress()` leases from (the same pool the doctor inspects). */
  loopback: { start: number; count: number; probePorts: number[]; poolFile: string };
  /** Where the bridge publishes (null: the default directory). */
  bridgeDir: string | null;
  /** What a test file leaves running when it ends: reported (warn), reported and the file failed (fail), or not looked at (off). Absent from older plugins: warn. */
  leftovers?: LeftoverMode;
}

export type LeftoverMode = 'warn' | 'fail' | 'off';

export const PROVIDE_KEY = 'flakeDoctor';

// The vocabulary every runner integration shares (src/runners/common), re-exported for the
// plugin's public types.
export type { StartedBy, StartedKind } from '../runners/common/attribution';
export type { FailureCulprit } from '../runners/common/culprits';
export type { Leftover } from '../runners/common/leftovers';

/** Put on the test file's `meta.flakeDoctor` by the worker's afterAll; read by the reporter. */
export interface FileEndMeta {
  pid: number;
  mode: Exclude<LeftoverMode, 'off'>;
  leftovers: Leftover[];
}

/** Put on the failed test's `task.meta.flakeDoctor` by the worker; read by the reporter. */
export interface FailureMeta {
  pid: number;
  culprits: FailureCulprit[];
}

/**
 * The worker-side API, on globalThis so that the user's `import { loopbackAddress } from
 * 'flake-doctor/vitest'` reaches the setup file's instance whichever copy of the module it loads.
 */
export interface WorkerApi {
  loopbackAddress(): Promise<string>;
}
export const WORKER_API_KEY = Symbol.for('flake-doctor.vitest-worker.v1');
