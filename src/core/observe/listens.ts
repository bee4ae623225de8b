// Observer of listens: the ones that fail (EADDRINUSE) and the servers listening in this
// process. Placeholder: the observer is not written yet, so nothing is observed.

import type { ObserverFactory } from './observer';
import type { TestRef } from './testContext';

/** A listen that failed (placeholder shape). */
export interface ObservedListenFailure {
  id: string;
  startedAt: number;
  test: TestRef | null;
}

/** A server listening in this process (placeholder shape). */
export interface ObservedServer {
  id: string;
  startedAt: number;
  test: TestRef | null;
}

export const observeListens: ObserverFactory = () => null;
