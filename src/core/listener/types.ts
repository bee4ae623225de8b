// Shared, JSON-serialisable types. Everything a view renders is defined here so a front end
// (tree view, CLI, cross-process bridge) depends on data shapes, never on classes.

import type { TestRef } from '../observe/testContext';
import type { ErrorInfo } from './errors';

/** The protocol's calls, in the order a healthy listener makes them. */
export type BrokerCallName = 'exchangeToken' | 'createSession' | 'refreshSession' | 'getMessage' | 'deleteMessage' | 'acquireJobs' | 'deleteSession' | 'probe';

export const BROKER_CALL_NAMES: readonly BrokerCallName[] = [
  'exchangeToken',
  'createSession',
  'refreshSession',
  'getMessage',
  'deleteMessage',
  'acquireJobs',
  'deleteSession',
  'probe',
];

/**
 * control-plane: bounded by controlPlaneTimeoutMs; long-poll: bounded by longPollTimeoutMs;
 * external: a request made by other code in the process, seen through undici's diagnostics
 * channels; it has no deadline we know of, only the stall threshold.
 */
export type CallKind = 'control-plane' | 'long-poll' | 'external';

/** Where a call is: useful to tell "never answered" from "headers then a trickle". */
export type CallPhase = 'awaiting-headers' | 'receiving-body' | 'done';

export type CallOutcome = 'ok' | 'http-error' | 'deadline' | 'aborted' | 'error';

export interface CallSnapshot {
  id: string;
  name: string;
  kind: CallKind;
  method: string;
  /** origin + path, query stripped (queries may carry tokens). */
  url: string;
  startedAt: number;
  /** null for external calls: we do not know their deadline. */
  deadlineAt: number | null;
  /** Past its deadline, or (not a long poll) older than the stall threshold. */
  stalled: boolean;
  phase: CallPhase;
  status: number | null;
  endedAt: number | null;
  outcome: CallOutcome | null;
  error: string | null;
  /** Which client made an external call: undici (and fetch), or node:http. Absent: undici. */
  source?: 'undici' | 'node:http';
  /** The test running when the call started (see observe/testContext.ts), where known. */
  test?: TestRef | null;
}

export type ListenerState = 'stopped' | 'starting' | 'polling' | 'acquiring' | 'backoff' | 'stopping' | 'failed';

export interface ListenerSnapshot {
  /** What the listener was pointed at (brokerUrl, githubConfigUrl or actionsServiceUrl). */
  brokerUrl: string;
  /** The Actions service URL in use: given, or learnt from runner-registration; null before. */
  actionsServiceUrl: string | null;
  scaleSetId: number;
  ownerName: string;
  state: ListenerState;
  sessionId: string | null;
  lastMessageId: number;
  messagesReceived: number;
  jobsAcquired: number;
  /** Most recent acquired request ids, newest last (bounded). */
  recentJobIds: number[];
  restarts: number;
  consecutiveFailures: number;
  nextRestartAt: number | null;
  lastError: (ErrorInfo & { at: number }) | null;
  controlPlaneTimeoutMs: number;
  longPollTimeoutMs: number;
  stallThresholdMs: number;
  calls: { inFlight: CallSnapshot[]; recent: CallSnapshot[] };
  takenAt: number;
}

export type ListenerEvent =
  | { type: 'state'; state: ListenerState; at: number }
  | { type: 'call-started' | 'call-ended' | 'call-stalled'; call: CallSnapshot; at: number }
  | { type: 'session-created' | 'session-deleted'; sessionId: string; at: number }
  | { type: 'message'; messageId: number; at: number }
  | { type: 'jobs-acquired'; requestIds: number[]; at: number }
  | { type: 'error'; error: ErrorInfo; at: number }
  | { type: 'restart-scheduled'; attempt: number; delayMs: number; at: number };

export interface ProbeResult {
  url: string;
  ok: boolean;
  status: number | null;
  latencyMs: number;
  error: string | null;
  at: number;
}

export interface Disposable {
  dispose(): void;
}

/** Sleep that an abort signal can cut short (rejects with the signal's reason). */
export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;
export type NowFn = () => number;
export type RandomFn = () => number;
