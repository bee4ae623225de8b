// What the plugin (main process) hands to the workers, and what a worker hands back with a
// failed test. Both cross a process boundary, so both are plain JSON.

import type { ProcessRef } from '../core/doctor/problem';

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
}

export const PROVIDE_KEY = 'flakeDoctor';

/** One infrastructure culprit seen when a test failed. */
export interface FailureCulprit {
  kind: 'call' | 'loopback' | 'lock';
  /** The call (method + URL), the address:port, or the lock path. */
  subject: string;
  message: string;
  culprit: ProcessRef | null;
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
