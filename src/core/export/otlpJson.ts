// ExportLogsServiceRequest in the OTLP/JSON encoding: the proto3 JSON mapping with OTLP's
// deviations — lowerCamelCase keys, enums as integers, trace and span ids as hex strings (not
// base64); 64-bit integers (times, intValue) as decimal strings, as the mapping prescribes.

import type { LogsEnvelope } from './envelope';
import type { AttributeValue, Attributes } from './resource';

type JsonAnyValue =
  { stringValue: string } | { boolValue: boolean } | { intValue: string } | { doubleValue: number } | { arrayValue: { values: JsonAnyValue[] } };

function anyValue(v: AttributeValue): JsonAnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { arrayValue: { values: v.map((s) => ({ stringValue: s })) } };
}

function keyValues(attrs: Attributes): { key: string; value: JsonAnyValue }[] {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: anyValue(value) }));
}

export function encodeJson(e: LogsEnvelope, observedUnixNano: bigint): string {
  const logRecords = e.records.map((r) => ({
    timeUnixNano: r.timeUnixNano.toString(),
    observedTimeUnixNano: observedUnixNano.toString(),
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: { stringValue: r.body },
    attributes: keyValues(r.attributes),
    eventName: r.eventName,
    ...(e.trace ? { traceId: e.trace.traceId, spanId: e.trace.spanId, flags: e.trace.flags } : {}),
  }));
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: keyValues(e.resource) },
        scopeLogs: [{ scope: { name: e.scope.name, ...(e.scope.version ? { version: e.scope.version } : {}) }, logRecords }],
      },
    ],
  });
}
