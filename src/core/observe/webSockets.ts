// Observer of WebSockets (ws, socket.io/engine.io, undici). Placeholder: the observer is not written yet, so nothing is observed.

import type { ObserverFactory } from './observer';
import type { TestRef } from './testContext';

/** Published in the bridge snapshot (placeholder shape). */
export interface ObservedWebSocket {
  id: string;
  startedAt: number;
  test: TestRef | null;
}

export const observeWebSockets: ObserverFactory = () => null;
