// Observer of listens: the ones that fail (EADDRINUSE) and the servers listening in this
// process. Placeholder: the observer is not written yet, so nothing is observed.

import type { ObserverFactory } from './observer';
import type { TestRef } from './testContext';

/** A listen that failed (placeholder shape). */
export interface ObservedListenFailure {
  /** The act() target; unique within the process. */
  id: string;
  /** What it is, for a person, distinguishing fact first: `GET http://127.0.0.1:3000/x`, `ws client ws://…`, `listening 127.0.0.1:3000`, `pid 123 python3 server.py`. */
  subject: string;
  startedAt: number;
  /** The test running when it started (observe/testContext.ts); null outside any test. */
  test: TestRef | null;
}

/** A server listening in this process (placeholder shape). */
export interface ObservedServer {
  /** The act() target; unique within the process. */
  id: string;
  /** What it is, for a person, distinguishing fact first: `GET http://127.0.0.1:3000/x`, `ws client ws://…`, `listening 127.0.0.1:3000`, `pid 123 python3 server.py`. */
  subject: string;
  startedAt: number;
  /** The test running when it started (observe/testContext.ts); null outside any test. */
  test: TestRef | null;
}

export const observeListens: ObserverFactory = () => null;
