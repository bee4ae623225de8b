// Observer of node:http client calls and in-process server requests. Placeholder: the
// observer is not written yet, so nothing is observed.

import type { ObserverFactory } from './observer';
import type { TestRef } from './testContext';

/** A request in flight on a node:http server of this process (placeholder shape). */
export interface ObservedServerRequest {
  /** The act() target; unique within the process. */
  id: string;
  /** What it is, for a person, distinguishing fact first: `GET http://127.0.0.1:3000/x`, `ws client ws://…`, `listening 127.0.0.1:3000`, `pid 123 python3 server.py`. */
  subject: string;
  startedAt: number;
  /** The test running when it started (observe/testContext.ts); null outside any test. */
  test: TestRef | null;
}

export const observeHttpClient: ObserverFactory = () => null;
