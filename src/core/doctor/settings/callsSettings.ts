import { DEFAULT_CONTROL_PLANE_TIMEOUT_MS, DEFAULT_LONG_POLL_TIMEOUT_MS } from '../../listener/defaults';

/**
 * `flakeDoctor.calls.*` settings, validated. No `vscode` import: the caller passes a getter,
 * so validation is unit-tested. An invalid value is reported and replaced by the default (for
 * the broker URL: none); it is never used.
 */
export interface CallsSettings {
  /** Normalised http(s) URL without a trailing slash; null when none is configured. */
  brokerUrl: string | null;
  controlPlaneTimeoutMs: number;
  longPollTimeoutMs: number;
  /** null: the library's own rule (half the control-plane deadline, at most 10 s). */
  stallThresholdMs: number | null;
  autostart: boolean;
  /** Also list every other undici/fetch call made in the extension host. */
  trackProcessCalls: boolean;
}

import { SettingsReader, type SettingGetter } from './settingsReader';

export type { SettingGetter };

export const CALLS_DEFAULTS = {
  controlPlaneTimeoutMs: DEFAULT_CONTROL_PLANE_TIMEOUT_MS,
  longPollTimeoutMs: DEFAULT_LONG_POLL_TIMEOUT_MS,
} as const;

/** The stall threshold a listener actually uses for these settings (mirrors BrokerListener's default). */
export function effectiveStallThresholdMs(settings: Pick<CallsSettings, 'stallThresholdMs' | 'controlPlaneTimeoutMs'>): number {
  return settings.stallThresholdMs ?? Math.min(10_000, settings.controlPlaneTimeoutMs / 2);
}

/**
 * A broker URL the listener can use, or why not. Only http(s): anything else is either not a
 * broker or (file:, javascript:) something a workspace setting must never point us at.
 * Credentials in the URL are refused because the URL is shown in the view and the log.
 */
export function parseBrokerUrl(raw: string): { url: string } | { error: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: 'is not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: `must be an http:// or https:// URL (got ${url.protocol.replace(/:$/, '')})` };
  if (url.username || url.password) return { error: 'must not contain credentials (they would be shown in the view and the log)' };
  if (url.search || url.hash) return { error: 'must not have a query or fragment (the listener appends its own paths)' };
  return { url: url.href.replace(/\/+$/, '') };
}

/** `get(key)` returns only what the user set (undefined otherwise). */
export function readCallsSettings(get: SettingGetter): { settings: CallsSettings; errors: string[] } {
  const reader = new SettingsReader('flakeDoctor.calls', get);
  const { errors } = reader;
  const key = (k: string) => reader.key(k);
  const int = (k: string, fallback: number, min: number, max: number) => reader.int(k, fallback, min, max);
  const bool = (k: string, fallback: boolean) => reader.bool(k, fallback);

  let brokerUrl: string | null = null;
  const rawUrl = get('brokerUrl');
  if (rawUrl !== undefined && rawUrl !== null && !(typeof rawUrl === 'string' && rawUrl.trim() === '')) {
    if (typeof rawUrl !== 'string') {
      errors.push(`${key('brokerUrl')} must be a string (got ${JSON.stringify(rawUrl)}); no broker is used`);
    } else {
      const parsed = parseBrokerUrl(rawUrl.trim());
      if ('url' in parsed) brokerUrl = parsed.url;
      else errors.push(`${key('brokerUrl')} ${parsed.error} (got ${JSON.stringify(rawUrl)}); no broker is used`);
    }
  }

  const controlPlaneTimeoutMs = int('controlPlaneTimeoutMs', CALLS_DEFAULTS.controlPlaneTimeoutMs, 100, 600_000);
  const longPollTimeoutMs = int('longPollTimeoutMs', CALLS_DEFAULTS.longPollTimeoutMs, 1000, 3_600_000);
  // 0 is the documented "automatic" value (the library's rule), so it is not an error.
  const stall = int('stallThresholdMs', 0, 0, 600_000);

  return {
    settings: {
      brokerUrl,
      controlPlaneTimeoutMs,
      longPollTimeoutMs,
      stallThresholdMs: stall === 0 ? null : stall,
      autostart: bool('autostart', false),
      trackProcessCalls: bool('trackProcessCalls', false),
    },
    errors,
  };
}

/** Whether a running listener was started with the same options (else the view says "pending"). */
export function sameListenerOptions(a: CallsSettings, b: CallsSettings): boolean {
  const pick = (s: CallsSettings) => [s.brokerUrl, s.controlPlaneTimeoutMs, s.longPollTimeoutMs, effectiveStallThresholdMs(s), s.trackProcessCalls];
  return JSON.stringify(pick(a)) === JSON.stringify(pick(b));
}
