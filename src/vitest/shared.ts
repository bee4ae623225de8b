// What the plugin (main process) hands to the workers, and what a worker hands back with a
// failed test. Both cross a process boundary, so both are plain JSON.

import type { ProcessRef } from '../core/doctor/problem';
import type { TestRef } from '../core/observe/testContext';

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

/** What a test can start and leave running (or, for `listen`, fail at). */
export type StartedKind = 'call' | 'server-request' | 'websocket' | 'server' | 'child' | 'listen';

/**
 * Who started a thing named next to a failure: the failing test itself (own), an earlier test
 * whose thing is still running (leftover), or no test at all (outside: module scope, a
 * beforeAll, or a moment when concurrent tests overlapped and no single test can be named).
 */
export interface StartedBy {
  relation: 'own' | 'leftover' | 'outside';
  test: TestRef | null;
}

/** One infrastructure culprit seen when a test failed. */
export interface FailureCulprit {
  kind: 'loopback' | 'lock' | StartedKind;
  /** The call (method + URL), the address:port, or the lock path. */
  subject: string;
  message: string;
  culprit: ProcessRef | null;
  /** For what a test starts (calls, sessions, listens, children): which test started it. Absent for loopback and lock culprits. */
  startedBy?: StartedBy;
}

/** Something still running when its test file ended. */
export interface Leftover {
  kind: Exclude<StartedKind, 'listen'>;
  /** The record's own subject: `GET http://127.0.0.1:3000/x`, `listening 127.0.0.1:3000`, `pid 123 python3 server.py`. */
  subject: string;
  startedAt: number;
  /** The test that started it; null: outside any test (module scope, a beforeAll, overlapping concurrent tests). */
  test: TestRef | null;
  /** One line for a person, naming the test. */
  message: string;
}

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
