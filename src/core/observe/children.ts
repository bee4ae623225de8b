// Observer of child processes started by this process. Placeholder: the observer is not written yet, so nothing is observed.

import type { ObserverFactory } from './observer';
import type { TestRef } from './testContext';

/** Published in the bridge snapshot (placeholder shape). */
export interface ObservedChild {
  id: string;
  startedAt: number;
  test: TestRef | null;
}

export const observeChildren: ObserverFactory = () => null;
