// Observer of node:http client calls and in-process server requests. Placeholder: the
// observer is not written yet, so nothing is observed.

import type { ObserverFactory } from './observer';
import type { TestRef } from './testContext';

/** A request in flight on a node:http server of this process (placeholder shape). */
export interface ObservedServerRequest {
  id: string;
  startedAt: number;
  test: TestRef | null;
}

export const observeHttpClient: ObserverFactory = () => null;
