// Public surface of `flake-doctor/listener`. A view renders ListenerSnapshot and calls the
// actions on BrokerListener; tests and the demo drive startFakeBroker.
// FLAKE_DOCTOR_BRIDGE=1 publishes this process's cores over the bridge (see bridge/autostart.ts).
import '../bridge/autostart';

export { BrokerListener, DEFAULT_CONTROL_PLANE_TIMEOUT_MS, DEFAULT_LONG_POLL_TIMEOUT_MS, type BrokerListenerOptions } from './listener';
export { CallTracker, CALL_TAG_HEADER, type CallTrackerOptions, type TrackerEvent } from './tracker';
export { boundedCall, createBrokerDispatcher, type CallSpec, type CallResponse, type CallDeps } from './call';
export { DEFAULT_MAX_RESPONSE_BYTES, readBounded } from './body';
export { parseRetryAfter, MAX_RETRY_AFTER_MS } from './retryAfter';
export { BrokerClient, type BrokerClientOptions } from './protocol';
export {
  resolveTarget,
  gitHubApiUrl,
  scaleSetUrl,
  pollUrl,
  messageUrl,
  API_VERSION,
  MAX_CAPACITY_HEADER,
  QUEUE_ACCEPT,
  type ListenerTarget,
  type TargetOptions,
} from './endpoints';
export { probeBroker, type ProbeOptions } from './probe';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
export { realSleep } from './sleep';
export {
  parseRegistration,
  adminTokenExpiresAt,
  parseSession,
  parseMessage,
  parseAcquiredJobs,
  availableJobIds,
  JOB_MESSAGES_TYPE,
  type ActionsServiceConnection,
  type BrokerSession,
  type BrokerMessage,
  type JobMessage,
} from './messages';
export {
  ListenerError,
  DeadlineExceededError,
  CallAbortedError,
  BrokerHttpError,
  MalformedResponseError,
  ResponseTooLargeError,
  TransportError,
  SessionConflictError,
  RestartRequestedError,
  ListenerStoppedError,
  errorInfo,
  type ErrorInfo,
} from './errors';
export { startFakeBroker, type FakeBroker, type FakeBrokerOptions, type FakeBrokerRequest } from './fakeBroker';
export type { Fault, FaultRule, FaultTable } from './fakeFaults';
export {
  BROKER_CALL_NAMES,
  type BrokerCallName,
  type CallKind,
  type CallOutcome,
  type CallPhase,
  type CallSnapshot,
  type Disposable,
  type ListenerEvent,
  type ListenerSnapshot,
  type ListenerState,
  type NowFn,
  type ProbeResult,
  type RandomFn,
  type SleepFn,
} from './types';
