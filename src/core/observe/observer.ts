// What every observer of a process has in common. An observer watches one kind of thing the
// user's code does (node:http calls, WebSockets, listens, child processes) without the code's
// help, and contributes what it sees to the bridge snapshot. Like OpenTelemetry's
// instrumentations: one file per thing observed, each enabling and disabling itself.
//
// The rules every observer keeps (the README's "Observing changes nothing" section):
// never throw into user code, never pause or resume a socket, never keep the process alive,
// never change what a request or a WebSocket does; a library whose internals differ degrades
// to "not tracked" with a note under FLAKE_DOCTOR_DEBUG.

import type { CallTracker } from '../listener/tracker';
import type { TestRef } from './testContext';
import type { BridgeActRequest, BridgeActResult, BridgeSnapshot } from '../bridge/types';

/**
 * What every observed record has — a call, a server request, a WebSocket, a listen, a server, a
 * child — so attribution and leftover reports read any kind alike.
 */
export interface ObservedRecord {
  /** The act() target; unique within the process, prefixed by kind (`ws:<n>`, `child:<n>`, …). */
  id: string;
  /** What it is, for a person, distinguishing fact first: `ws client ws://127.0.0.1:3000/feed`, `listening 127.0.0.1:3000`. */
  subject: string;
  /** When the user's code started it (the request, connection, listen() or spawn). */
  startedAt: number;
  /** The test running when it started (observe/testContext.ts); null outside any test. */
  test: TestRef | null;
}

/** The parts of a snapshot observers fill in (everything the cores' registry does not). */
export type ObservedParts = Pick<BridgeSnapshot, 'httpCalls' | 'serverRequests' | 'webSockets' | 'listenFailures' | 'servers' | 'children'>;

export interface ObserverContext {
  /** The process-wide HTTP call tracker: node:http calls join undici's there. */
  tracker: CallTracker;
  now: () => number;
  /** A note for FLAKE_DOCTOR_DEBUG (never printed otherwise). */
  debug: (message: string) => void;
}

export interface Observer {
  /** For debug notes: `node:http client`, `WebSockets`, … */
  readonly name: string;
  /** Adds what this observer sees right now to a snapshot being built. */
  contribute(parts: ObservedParts, now: number): void;
  /** "Something I contribute changed" (coalesced by the caller); returns the unsubscribe. */
  onDidChange(listener: () => void): () => void;
  /**
   * Carries out an action on one of this observer's targets; returns null when the target is
   * not one of its own (the next observer, then the cores, are asked).
   */
  act?(request: BridgeActRequest): Promise<BridgeActResult> | null;
  dispose(): void;
}

/** The factory each observer file exports: null when the runtime lacks what it needs. */
export type ObserverFactory = (context: ObserverContext) => Observer | null;
