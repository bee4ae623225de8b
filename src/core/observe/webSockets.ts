// Observer of WebSockets (ws, socket.io/engine.io, undici). Placeholder: the observer is not written yet, so nothing is observed.

import type { ObserverFactory } from './observer';
import type { TestRef } from './testContext';

/** Published in the bridge snapshot (placeholder shape). */
export interface ObservedWebSocket {
  /** The act() target; unique within the process. */
  id: string;
  /** What it is, for a person, distinguishing fact first: `GET http://127.0.0.1:3000/x`, `ws client ws://…`, `listening 127.0.0.1:3000`, `pid 123 python3 server.py`. */
  subject: string;
  startedAt: number;
  /** The test running when it started (observe/testContext.ts); null outside any test. */
  test: TestRef | null;
}

export const observeWebSockets: ObserverFactory = () => null;
