import { isIP } from 'node:net';
import { RELAY_PROFILES, type RelayProfile } from '../../relay/protocolProfile';
import { RELAY_DEFAULTS, type RelayOptions } from '../../relay/types';

/**
 * `flakeDoctor.sessions.*` settings, validated. No `vscode` import: the caller passes a
 * getter, so validation is unit-tested. An invalid value is reported and replaced by the
 * default; it is never used.
 */
export interface SessionsSettings {
  /** What `startRelay` gets: only validated values, the token omitted when empty. */
  relay: Required<
    Pick<
      RelayOptions,
      'host' | 'port' | 'writeTimeoutMs' | 'heartbeatIntervalMs' | 'readTimeoutMs' | 'queueLimit' | 'closeDrainMs' | 'handshakeTimeoutMs' | 'profile'
    >
  > & {
    token?: string;
  };
  autostart: boolean;
  /** Queued plus socket-buffered bytes above which a session is flagged as backlogged. */
  backlogWarningBytes: number;
}

import { SettingsReader, type SettingGetter } from './settingsReader';

export type { SettingGetter };

export const SESSIONS_DEFAULTS = {
  host: RELAY_DEFAULTS.host,
  port: 0,
  writeTimeoutMs: RELAY_DEFAULTS.writeTimeoutMs,
  heartbeatIntervalMs: RELAY_DEFAULTS.heartbeatIntervalMs,
  readTimeoutMs: RELAY_DEFAULTS.readTimeoutMs,
  queueLimit: RELAY_DEFAULTS.queueLimit,
  closeDrainMs: RELAY_DEFAULTS.closeDrainMs,
  handshakeTimeoutMs: RELAY_DEFAULTS.handshakeTimeoutMs,
  profile: 'flake-doctor' as RelayProfile,
  backlogWarningBytes: 1024 * 1024,
} as const;

/** `127.0.0.0/8`, `::1`, IPv4-mapped loopback and `localhost`: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) !== 6) return false;
  // The URL parser canonicalises IPv6 (`0:0::1` → `::1`, `::ffff:127.0.0.1` → `::ffff:7f00:1`).
  const canonical = new URL(`http://[${h}]/`).hostname.slice(1, -1);
  return canonical === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canonical);
}

/** A host name or IP literal `server.listen` can be given (no scheme, port, path or spaces). */
function isHostSyntax(host: string): boolean {
  if (isIP(host) !== 0) return true;
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(host);
}

/**
 * `get(key)` returns only what the user set (undefined otherwise). `allowNonLoopback` must come
 * from user settings only (the caller passes its global value): a cloned repository's
 * workspace settings must not be able to expose the relay to the network.
 */
export function readSessionsSettings(get: SettingGetter): { settings: SessionsSettings; errors: string[] } {
  const reader = new SettingsReader('flakeDoctor.sessions', get);
  const { errors } = reader;
  const key = (k: string) => reader.key(k);
  const int = (k: string, fallback: number, min: number, max: number, zeroAllowed = false) => reader.int(k, fallback, min, max, { zeroAllowed });
  const bool = (k: string, fallback: boolean) => reader.bool(k, fallback);

  const allowNonLoopback = bool('allowNonLoopback', false);
  let host: string = SESSIONS_DEFAULTS.host;
  const rawHost = get('host');
  if (rawHost !== undefined && rawHost !== null) {
    const trimmed = typeof rawHost === 'string' ? rawHost.trim().replace(/^\[(.*)\]$/, '$1') : '';
    if (!trimmed || !isHostSyntax(trimmed)) {
      errors.push(`${key('host')} must be a host name or IP address (got ${JSON.stringify(rawHost)}); using ${SESSIONS_DEFAULTS.host}`);
    } else if (!isLoopbackHost(trimmed) && !allowNonLoopback) {
      errors.push(
        `${key('host')} is ${JSON.stringify(trimmed)}, which is not a loopback address: the relay would be reachable from other machines. ` +
          `Set ${key('allowNonLoopback')} to true in your user settings to allow it; using ${SESSIONS_DEFAULTS.host}`,
      );
    } else {
      host = trimmed;
    }
  }

  const port = int('port', SESSIONS_DEFAULTS.port, 1, 65535, true);
  const writeTimeoutMs = int('writeTimeoutMs', SESSIONS_DEFAULTS.writeTimeoutMs, 100, 600_000);
  const heartbeatIntervalMs = int('heartbeatIntervalMs', SESSIONS_DEFAULTS.heartbeatIntervalMs, 100, 3_600_000, true);
  let readTimeoutMs = int('readTimeoutMs', SESSIONS_DEFAULTS.readTimeoutMs, 1000, 24 * 3_600_000);
  // A healthy but idle peer only speaks when answering our heartbeat: a read deadline shorter
  // than the heartbeat period would terminate it as half-open.
  if (heartbeatIntervalMs > 0 && readTimeoutMs <= heartbeatIntervalMs) {
    const fallback = Math.max(SESSIONS_DEFAULTS.readTimeoutMs, heartbeatIntervalMs * 3);
    errors.push(
      `${key('readTimeoutMs')} (${readTimeoutMs}) must be longer than ${key('heartbeatIntervalMs')} (${heartbeatIntervalMs}), or idle peers are cut off; using ${fallback}`,
    );
    readTimeoutMs = fallback;
  }

  let token: string | undefined;
  const rawToken = get('token');
  if (rawToken !== undefined && rawToken !== null && rawToken !== '') {
    if (typeof rawToken === 'string' && /^[\x21-\x7e]{1,256}$/.test(rawToken)) token = rawToken;
    else errors.push(`${key('token')} must be up to 256 visible ASCII characters without spaces; the relay starts without a token`);
  }

  let profile: RelayProfile = SESSIONS_DEFAULTS.profile;
  const rawProfile = get('profile');
  if (rawProfile !== undefined && rawProfile !== null) {
    if (typeof rawProfile === 'string' && Object.hasOwn(RELAY_PROFILES, rawProfile)) profile = rawProfile as RelayProfile;
    else
      errors.push(
        `${key('profile')} must be one of ${Object.keys(RELAY_PROFILES)
          .map((p) => JSON.stringify(p))
          .join(', ')} (got ${JSON.stringify(rawProfile)}); using "${SESSIONS_DEFAULTS.profile}"`,
      );
  }

  return {
    settings: {
      relay: {
        host,
        port,
        writeTimeoutMs,
        heartbeatIntervalMs,
        readTimeoutMs,
        queueLimit: int('queueLimit', SESSIONS_DEFAULTS.queueLimit, 1, 1_000_000),
        closeDrainMs: int('closeDrainMs', SESSIONS_DEFAULTS.closeDrainMs, 0, 60_000),
        handshakeTimeoutMs: int('handshakeTimeoutMs', SESSIONS_DEFAULTS.handshakeTimeoutMs, 100, 600_000),
        profile,
        ...(token !== undefined ? { token } : {}),
      },
      autostart: bool('autostart', false),
      backlogWarningBytes: int('backlogWarningBytes', SESSIONS_DEFAULTS.backlogWarningBytes, 1024, 1024 * 1024 * 1024),
    },
    errors,
  };
}

/** Whether two settings would start the same relay (so a running one need not be rebound). */
export function sameRelayOptions(a: SessionsSettings, b: SessionsSettings): boolean {
  return JSON.stringify(a.relay) === JSON.stringify(b.relay);
}
