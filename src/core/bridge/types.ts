// The bridge's wire types: the snapshot one process publishes, and the messages of the
// protocol. JSON-serialisable; a renderer (view, CLI, vitest reporter) imports these types
// without pulling in any server code.

import type { CallSnapshot, ListenerSnapshot } from '../listener/types';
import type { RelaySnapshot, SessionSnapshot } from '../relay/types';
import type { ObservedChild } from '../observe/children';
import type { ObservedServerRequest } from '../observe/httpClient';
import type { ObservedListenFailure, ObservedServer } from '../observe/listens';
import type { TestRef } from '../observe/testContext';
import type { ObservedWebSocket } from '../observe/webSockets';

export type { ObservedChild, ObservedListenFailure, ObservedServer, ObservedServerRequest, ObservedWebSocket, TestRef };

/** Bumped when a field changes meaning or disappears; new optional fields do not bump it. */
export const BRIDGE_SCHEMA_VERSION = 1;
/** Bumped when the request/response framing changes. */
export const BRIDGE_PROTOCOL_VERSION = 1;

/** Who publishes: enough to name the process next to anything it holds. */
export interface BridgeProcessInfo {
  pid: number;
  /** 0 for the main thread; a worker thread publishes on a socket of its own. */
  threadId: number;
  /** Epoch ms when the process started. */
  startedAt: number;
  /** The command line as one string (argv joined; arguments with spaces quoted). */
  command: string;
  argv: string[];
  cwd: string;
  nodeVersion: string;
  /** How publishing was turned on: the register module, FLAKE_DOCTOR_BRIDGE=1, or startBridge(). */
  via: 'register' | 'env' | 'api';
}

/** An HTTP call in flight made through undici, the global fetch or node:http, seen on diagnostics channels. */
export interface BridgeHttpCall {
  /** Target id for act(): `http:<n>`. */
  id: string;
  method: string;
  /** origin + path; the query is stripped (it may carry tokens). */
  url: string;
  startedAt: number;
  /** Deadline when known (null: the bridge cannot see the caller's timeout). */
  deadlineAt: number | null;
  /** Older than the bridge's stall threshold (FLAKE_DOCTOR_STALL_MS, default 10 s). */
  stalled: boolean;
  phase: CallSnapshot['phase'];
  status: number | null;
  /** Which client made it: undici (and fetch) or node:http (axios, got, supertest, …). Absent from older publishers: undici. */
  source?: 'undici' | 'node:http';
  /** The test running when the call started, where a runner integration says (null: none). */
  test?: TestRef | null;
}

/** A session of a relay in this process; `id` is the act() target (`relay-<n>:<session>`). */
export type BridgeSession = SessionSnapshot & { sessionId: string; relayId: string };

/** A relay of this process; `id` is the act() target (`relay-<n>`). */
export type BridgeRelay = Omit<RelaySnapshot, 'sessions'> & { id: string; sessions: BridgeSession[] };

/** A listener call; `id` is the act() target (`listener-<n>:<call>`). */
export type BridgeListenerCall = CallSnapshot & { callId: string; listenerId: string };

/** A broker listener of this process; `id` is the act() target (`listener-<n>`). Only its own calls. */
export type BridgeListener = Omit<ListenerSnapshot, 'calls'> & {
  id: string;
  calls: { inFlight: BridgeListenerCall[]; recent: BridgeListenerCall[] };
};

export interface BridgeLease {
  id: string;
  address: string;
  poolFile: string;
  index: number;
  leasedAt: number;
}

export interface BridgeLock {
  id: string;
  lockPath: string;
  /** waiting: acquireRestartLock() has not returned yet; held: this process holds it. */
  state: 'waiting' | 'held';
  since: number;
}

export interface BridgeSnapshot {
  schemaVersion: typeof BRIDGE_SCHEMA_VERSION;
  /** Increases with every snapshot the process builds (a client can drop stale ones). */
  seq: number;
  takenAt: number;
  process: BridgeProcessInfo;
  stallThresholdMs: number;
  httpCalls: BridgeHttpCall[];
  relays: BridgeRelay[];
  listeners: BridgeListener[];
  leases: BridgeLease[];
  locks: BridgeLock[];
  // What the process's observers see of the user's own code (absent from older publishers).
  /** Requests in flight on node:http servers of this process (an app under supertest). */
  serverRequests?: ObservedServerRequest[];
  /** WebSockets of this process, client and server ends (ws, socket.io, undici). */
  webSockets?: ObservedWebSocket[];
  /** Listens that failed (EADDRINUSE), with who holds the address. */
  listenFailures?: ObservedListenFailure[];
  /** Servers listening in this process. */
  servers?: ObservedServer[];
  /** Child processes this process started that still run. */
  children?: ObservedChild[];
}

export type BridgeAction = 'probe' | 'break' | 'restart';

export interface BridgeActRequest {
  /** The id of a call, session, relay or listener from the snapshot. */
  target: string;
  action: BridgeAction;
}

export interface BridgeActResult {
  target: string;
  action: BridgeAction;
  /** One line for a person: what was done, or what the probe found. */
  message: string;
  /** Probe figures where there are any (a PONG round trip, a broker's status and latency). */
  details?: Record<string, string | number | boolean | null>;
}

export type BridgeErrorCode = 'bad_message' | 'too_large' | 'unknown_method' | 'unknown_target' | 'unsupported_action' | 'action_failed' | 'timeout' | 'closed';

/** What a discovery pass lists: one entry per publishing process (or worker thread). */
export interface BridgeProcessEntry {
  pid: number;
  threadId: number;
  command: string;
  cwd: string | null;
  startedAt: number | null;
  socketPath: string;
}

// ---- wire messages (one JSON object per line) ----

export type BridgeRequest = { id: number; method: 'snapshot' } | { id: number; method: 'subscribe' } | { id: number; method: 'act'; params: BridgeActRequest };

export type BridgeResponse =
  { id: number; result: BridgeSnapshot | BridgeActResult } | { id: number | null; error: { code: BridgeErrorCode; message: string } };

export type BridgeEvent =
  { event: 'hello'; protocol: number; schemaVersion: number; pid: number; threadId: number } | { event: 'snapshot'; snapshot: BridgeSnapshot };
