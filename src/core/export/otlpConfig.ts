// Where and how to send OTLP log records, from the standard OTEL_* environment variables
// (the OTLP exporter specification): the logs-specific variable of each pair wins over the
// general one. Export is configured only when an endpoint variable is set: a run without
// one sends nothing and pays nothing.

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface OtlpConfig {
  /** The full URL posted to (…/v1/logs for the general endpoint; the logs endpoint as given). */
  url: URL;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  /** OTEL_EXPORTER_OTLP_(LOGS_)TIMEOUT, default 10 s; the caller's flush bound caps it. */
  timeoutMs: number;
}

/** Not configured (no endpoint, or export disabled): nothing to say. Invalid: one warning. */
export type OtlpConfigResult = { kind: 'off' } | { kind: 'invalid'; reason: string } | { kind: 'on'; config: OtlpConfig; warning?: string };

const pick = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const logs = env[`OTEL_EXPORTER_OTLP_LOGS_${name}`]?.trim();
  return logs ? logs : env[`OTEL_EXPORTER_OTLP_${name}`]?.trim() || undefined;
};

/**
 * `key1=value1,key2=value2` (the W3C Baggage form the specification names for headers and
 * OTEL_RESOURCE_ATTRIBUTES), values percent-decoded. A malformed entry is skipped, as SDKs do.
 */
export function parseKeyValueList(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // Not percent-encoded after all: keep it as written.
    }
    if (key) out[key] = value;
  }
  return out;
}

function endpointUrl(env: NodeJS.ProcessEnv): URL | string | null {
  const logs = env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT?.trim();
  const general = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const text = logs || general;
  if (!text) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${logs ? 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT'} is not a URL (${JSON.stringify(text)})`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `the OTLP endpoint must be http:// or https:// (got ${url.protocol})`;
  // The signal-specific URL is used as given; the general one gets the logs path appended.
  if (!logs) url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/logs`;
  return url;
}

export function otlpConfigFromEnv(env: NodeJS.ProcessEnv): OtlpConfigResult {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return { kind: 'off' };
  if ((env.OTEL_LOGS_EXPORTER ?? '').trim().toLowerCase() === 'none') return { kind: 'off' };
  const url = endpointUrl(env);
  if (url === null) return { kind: 'off' };
  if (typeof url === 'string') return { kind: 'invalid', reason: url };
  const protocol = pick(env, 'PROTOCOL') ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    return { kind: 'invalid', reason: `OTLP protocol ${JSON.stringify(protocol)} is not supported (http/protobuf or http/json; grpc is not)` };
  }
  const timeoutText = pick(env, 'TIMEOUT');
  const validTimeout = timeoutText !== undefined && /^\d+$/.test(timeoutText) && Number(timeoutText) > 0;
  const timeoutMs = validTimeout ? Number(timeoutText) : 10_000;
  const headers = { ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_LOGS_HEADERS) };
  // An unusable timeout does not stop the export (the SDKs' rule: warn, use the default), but it is said.
  const warning =
    timeoutText !== undefined && !validTimeout
      ? `OTLP timeout ${JSON.stringify(timeoutText)} is not a positive whole number of milliseconds; using 10000`
      : undefined;
  return { kind: 'on', config: { url, protocol, headers, timeoutMs }, ...(warning ? { warning } : {}) };
}
