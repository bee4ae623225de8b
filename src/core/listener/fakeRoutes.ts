// The fake broker's URL space, laid out as GitHub's is (see endpoints.ts): the GitHub side
// (runner-registration, under /api/v3 as on a GitHub server), the Actions service under a
// tenant path (as GitHub's own test server in actions/scaleset does), and a message queue
// whose URL the session hands out. One origin serves all three.

import type { BrokerCallName } from './types';

/** Where the Actions service lives on the fake broker's origin (runner-registration's `url`). */
export const FAKE_TENANT_PATH = '/tenant/flake-doctor/';
/** Where session message queues live (the session's `messageQueueUrl`). */
export const FAKE_QUEUE_PATH = '/message-queue/';

export interface Route {
  name: BrokerCallName;
  /** The runner scale set id in the path (admin calls), else null. */
  scaleSetId: number | null;
  sessionId: string | null;
  messageId: number | null;
}

const SCALE_SET = `${FAKE_TENANT_PATH}_apis/runtime/runnerscalesets/(\\d+)`;
const ROUTES: Array<{ method: string; pattern: RegExp; name: BrokerCallName; groups: Array<'scaleSetId' | 'sessionId' | 'messageId'> }> = [
  { method: 'POST', pattern: /^\/api\/v3\/actions\/runner-registration$/, name: 'exchangeToken', groups: [] },
  { method: 'POST', pattern: new RegExp(`^${SCALE_SET}/sessions$`), name: 'createSession', groups: ['scaleSetId'] },
  { method: 'PATCH', pattern: new RegExp(`^${SCALE_SET}/sessions/([^/]+)$`), name: 'refreshSession', groups: ['scaleSetId', 'sessionId'] },
  { method: 'DELETE', pattern: new RegExp(`^${SCALE_SET}/sessions/([^/]+)$`), name: 'deleteSession', groups: ['scaleSetId', 'sessionId'] },
  { method: 'POST', pattern: new RegExp(`^${SCALE_SET}/acquirejobs$`), name: 'acquireJobs', groups: ['scaleSetId'] },
  { method: 'GET', pattern: new RegExp(`^${FAKE_QUEUE_PATH}([^/]+)$`), name: 'getMessage', groups: ['sessionId'] },
  { method: 'DELETE', pattern: new RegExp(`^${FAKE_QUEUE_PATH}([^/]+)/(\\d+)$`), name: 'deleteMessage', groups: ['sessionId', 'messageId'] },
  { method: 'GET', pattern: /^\/(health)?$/, name: 'probe', groups: [] },
  { method: 'HEAD', pattern: /^\/(health)?$/, name: 'probe', groups: [] },
];

export function route(method: string, path: string): Route | null {
  for (const r of ROUTES) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (!m) continue;
    const out: Route = { name: r.name, scaleSetId: null, sessionId: null, messageId: null };
    r.groups.forEach((g, i) => {
      const value = decodeURIComponent(m[i + 1] ?? '');
      if (g === 'sessionId') out.sessionId = value;
      else out[g] = Number(value);
    });
    return out;
  }
  return null;
}
