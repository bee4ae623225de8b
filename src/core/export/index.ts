// OpenTelemetry export for fleets: when the standard OTEL_EXPORTER_OTLP_(LOGS_)ENDPOINT is set,
// `flake-doctor doctor` and the vitest, jest and node:test integrations send each problem, each
// failed test and each of its culprits, and each thing a test file left running, as OTLP log
// records to the collector the team runs. Export never fails the run and never holds it up
// beyond EXPORT_BOUND_MS; whatever goes wrong is one warning line.
// No OpenTelemetry package is loaded: see README, "OpenTelemetry export", for why.

import type { DoctorProblem } from '../doctor/problem';
import type { LogsEnvelope } from './envelope';
import { failureRecords, leftoverRecord, problemRecord, type FailedTest, type LeftoverThing, type LogRecordData } from './logRecords';
import { otlpConfigFromEnv } from './otlpConfig';
import { encodeJson } from './otlpJson';
import { encodeProtobuf } from './otlpProtobuf';
import { REAL_CLOCK, sendWithRetry, type SendClock } from './otlpSend';
import { resourceAttributes, traceContextFromEnv } from './resource';

export { EVENT, type FailedTest, type LeftoverThing } from './logRecords';

/** The most an export may add to a run, retries included. */
export const EXPORT_BOUND_MS = 2000;

export interface OtlpExportInput {
  problems: readonly DoctorProblem[];
  failures?: readonly FailedTest[];
  leftovers?: readonly LeftoverThing[];
}

export interface OtlpExportOptions {
  env: NodeJS.ProcessEnv;
  /** Receives the one warning line when export is misconfigured or fails. */
  warn(line: string): void;
  /** Our version, for the instrumentation scope. */
  version?: string;
  /** Defaults to EXPORT_BOUND_MS; tests shorten it. */
  boundMs?: number;
  clock?: SendClock;
}

export type OtlpExportOutcome =
  | { status: 'off' }
  | { status: 'nothing-to-send' }
  | { status: 'sent'; records: number; attempts: number }
  | { status: 'failed'; records: number; reason: string };

/** Where a warning may name the endpoint: no credentials, query or fragment. */
function shown(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export async function exportToOtlp(input: OtlpExportInput, options: OtlpExportOptions): Promise<OtlpExportOutcome> {
  const clock = options.clock ?? REAL_CLOCK;
  const deadline = clock.now() + Math.min(options.boundMs ?? EXPORT_BOUND_MS, EXPORT_BOUND_MS);
  let records: LogRecordData[] = [];
  try {
    const configured = otlpConfigFromEnv(options.env);
    if (configured.kind === 'off') return { status: 'off' };
    if (configured.kind === 'invalid') {
      options.warn(`Flake Doctor: OpenTelemetry export skipped: ${configured.reason}`);
      return { status: 'failed', records: 0, reason: configured.reason };
    }
    const { config } = configured;
    if (configured.warning) options.warn(`Flake Doctor: OpenTelemetry export: ${configured.warning}`);
    const now = BigInt(Date.now()) * 1_000_000n;
    records = [
      ...input.problems.map((p) => problemRecord(p, now)),
      ...(input.failures ?? []).flatMap((f) => failureRecords(f, now)),
      ...(input.leftovers ?? []).map((l) => leftoverRecord(l, now)),
    ];
    if (records.length === 0) return { status: 'nothing-to-send' };
    const envelope: LogsEnvelope = {
      resource: resourceAttributes(options.env),
      scope: { name: 'flake-doctor', ...(options.version ? { version: options.version } : {}) },
      records,
      trace: traceContextFromEnv(options.env),
    };
    const json = config.protocol === 'http/json';
    const body = json ? Buffer.from(encodeJson(envelope, now)) : encodeProtobuf(envelope, now);
    const sendDeadline = Math.min(deadline, clock.now() + config.timeoutMs);
    const result = await sendWithRetry(config, body, json ? 'application/json' : 'application/x-protobuf', sendDeadline, clock);
    const what = `${records.length} log record${records.length === 1 ? '' : 's'}`;
    if (!result.ok) {
      options.warn(
        `Flake Doctor: OpenTelemetry export of ${what} to ${shown(config.url)} failed after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}: ${result.reason}`,
      );
      return { status: 'failed', records: records.length, reason: result.reason };
    }
    if (result.partial && (result.partial.rejected > 0 || result.partial.message)) {
      options.warn(
        `Flake Doctor: the collector at ${shown(config.url)} rejected ${result.partial.rejected} of ${what}${result.partial.message ? `: ${result.partial.message}` : ''}`,
      );
    }
    return { status: 'sent', records: records.length, attempts: result.attempts };
  } catch (err) {
    // Export must never fail the run: anything unforeseen is the warning line too.
    const reason = err instanceof Error ? err.message : String(err);
    options.warn(`Flake Doctor: OpenTelemetry export failed: ${reason}`);
    return { status: 'failed', records: records.length, reason };
  }
}
