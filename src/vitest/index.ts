// flake-doctor/vitest: `plugins: [flakeDoctor()]`, and in tests `await loopbackAddress()`.
import { WORKER_API_KEY, type WorkerApi } from './shared';

export { flakeDoctor, type FlakeDoctorOptions } from './plugin';
export { FlakeDoctorReporter, type ReportedFailure, type ReportedLeftover } from './reporter';
export type { FailureCulprit, FailureMeta, FileEndMeta, FlakeDoctorProvided, Leftover, LeftoverMode, StartedBy } from './shared';

/**
 * A loopback address leased to this worker from the configured pool (the conflict canary has
 * checked its probe ports), the same one on every call in a test file, released after it.
 * Works in tests run with `plugins: [flakeDoctor()]`.
 */
export function loopbackAddress(): Promise<string> {
  const api = (globalThis as { [WORKER_API_KEY]?: WorkerApi })[WORKER_API_KEY];
  if (!api) return Promise.reject(new Error('loopbackAddress() works inside tests run with plugins: [flakeDoctor()] from flake-doctor/vitest'));
  return api.loopbackAddress();
}
