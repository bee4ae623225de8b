// Who may open a session, decided before the WebSocket upgrade: the path picks the role and an
// optional bearer token gates everything. Pure, so the rules are testable without sockets.

import { timingSafeEqual } from 'node:crypto';
import type { SessionRole } from './types';

export type Admission = { ok: true; role: SessionRole } | { ok: false; status: 401 | 404; message: string };

export interface RolePaths {
  providerPath: string;
  clientPath: string;
}

const DEFAULT_PATHS: RolePaths = { providerPath: '/provider', clientPath: '/client' };

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Compare in constant time so the token cannot be guessed byte by byte from timings.
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Decide an upgrade request. Browsers cannot set headers on a WebSocket, so the token is also
 * accepted as a `token` query parameter.
 */
export function admit(url: string | undefined, authorization: string | undefined, token: string | null, paths: RolePaths = DEFAULT_PATHS): Admission {
  const parsed = new URL(url ?? '/', 'ws://relay.invalid');
  const role: SessionRole | null = parsed.pathname === paths.providerPath ? 'provider' : parsed.pathname === paths.clientPath ? 'client' : null;
  if (!role) {
    return { ok: false, status: 404, message: `unknown path ${parsed.pathname}; connect to ${paths.providerPath} or ${paths.clientPath}` };
  }
  if (token !== null) {
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
    const offered = bearer ?? parsed.searchParams.get('token');
    if (offered === null || !sameSecret(offered, token)) {
      return { ok: false, status: 401, message: 'a valid bearer token is required' };
    }
  }
  return { ok: true, role };
}
