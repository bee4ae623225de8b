// `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date. A broker that says "come
// back in 30 s" (typically with 429 or 503) must not be hit again after our own, shorter
// backoff; GitHub's client (go-retryablehttp) honours it, ours ignored it.

/** Upper bound on a honoured Retry-After, so a bogus header cannot park the listener for days. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Milliseconds to wait, or null when absent or unparseable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number, maxMs = MAX_RETRY_AFTER_MS): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(maxMs, Number(text) * 1000);
  // Only the IMF-fixdate form ("Sun, 06 Nov 1994 08:49:37 GMT"): Date.parse accepts far more.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.min(maxMs, Math.max(0, at - nowMs));
}

/** The Retry-After an error carries (BrokerHttpError), or 0. */
export function retryAfterOf(error: unknown): number {
  const ms = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof ms === 'number' && ms > 0 ? ms : 0;
}
