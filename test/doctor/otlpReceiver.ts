// A stand-in for an OpenTelemetry Collector's OTLP/HTTP receiver, real on loopback, that holds
// every request to the OTLP specification: POST to the logs path, the exact Content-Type, and a
// body that agrees with the official protocol definitions (otlpDefinitions.ts: the classes the
// OpenTelemetry project publishes compiled, with a field table proven against them). Protobuf:
// every field number known and written with its declared wire type, then decoded by the official
// ExportLogsServiceRequest.decode. JSON: every key a lowerCamelCase field name of the message it is
// in, enums as integers, 64-bit integers as decimal strings or numbers, traceId/spanId as hex.
// Both: the official verify() accepts the result (enum values defined, one value per AnyValue).
// Each request's violations are collected, not thrown, so a test can assert there are none.
// Replies can be scripted: 429/503 with Retry-After, 400 with a Status, or no answer at all.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { OTLP_CLASSES, OTLP_FIELDS, type MessageName } from './otlpDefinitions';

const REQUEST = OTLP_CLASSES.ExportLogsServiceRequest;
const RESPONSE = OTLP_CLASSES.ExportLogsServiceResponse;

export type AttributeValue = string | number | boolean | AttributeValue[] | null;

export interface DecodedRecord {
  eventName: string;
  severityNumber: number;
  severityText: string;
  body: AttributeValue;
  attributes: Record<string, AttributeValue>;
  timeUnixNano: string;
  observedTimeUnixNano: string;
  /** Lowercase hex, '' when absent. */
  traceId: string;
  spanId: string;
  flags: number;
}

export interface DecodedRequest {
  resource: Record<string, AttributeValue>;
  scope: { name: string; version: string };
  records: DecodedRecord[];
}

export interface ReceivedRequest {
  method: string;
  path: string;
  contentType: string;
  headers: IncomingMessage['headers'];
  /** When it arrived (Date.now()). */
  at: number;
  /** Everything in it that breaks the specification; empty for a good request. */
  violations: string[];
  decoded: DecodedRequest | null;
}

export type Reply = { status: number; retryAfter?: string; message?: string } | 'hang';

const HEX_IDS: Record<string, number> = { traceId: 32, spanId: 16 };

/** Checks an OTLP/JSON value against the message it encodes; returns it converted for fromObject. */
function checkJson(value: unknown, message: MessageName, path: string, violations: string[]): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    violations.push(`${path}: expected an object for ${message}`);
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = Object.hasOwn(OTLP_FIELDS[message], key) ? OTLP_FIELDS[message][key] : undefined;
    if (!field) {
      violations.push(`${path}.${key}: not a lowerCamelCase field of ${message}`);
      continue;
    }
    const { kind } = field;
    const one = (item: unknown, at: string): unknown => {
      if (kind in OTLP_CLASSES) return checkJson(item, kind as MessageName, at, violations);
      if (kind === 'enum') {
        if (!Number.isInteger(item)) violations.push(`${at}: enum must be an integer (got ${JSON.stringify(item)})`);
        return item;
      }
      if (kind === 'int64' || kind === 'fixed64') {
        if (!(typeof item === 'string' && /^-?\d+$/.test(item)) && !Number.isInteger(item))
          violations.push(`${at}: ${kind} must be a decimal string or integer`);
        return item;
      }
      if (kind === 'bytes' && key in HEX_IDS) {
        if (typeof item !== 'string' || !new RegExp(`^[0-9a-fA-F]{${HEX_IDS[key]}}$`).test(item)) {
          violations.push(`${at}: must be ${HEX_IDS[key]} hex digits (got ${JSON.stringify(item)})`);
          return '';
        }
        return Buffer.from(item, 'hex').toString('base64');
      }
      const scalarOk =
        kind === 'string' || kind === 'bytes'
          ? typeof item === 'string'
          : kind === 'bool'
            ? typeof item === 'boolean'
            : kind === 'double'
              ? typeof item === 'number'
              : Number.isInteger(item);
      if (!scalarOk) violations.push(`${at}: not a valid ${kind} (got ${JSON.stringify(item)})`);
      return item;
    };
    if (field.repeated) {
      if (!Array.isArray(v)) violations.push(`${path}.${key}: repeated field must be an array`);
      out[key] = Array.isArray(v) ? v.map((item, i) => one(item, `${path}.${key}[${i}]`)) : [];
    } else out[key] = one(v, `${path}.${key}`);
  }
  return out;
}

/**
 * Walks a protobuf encoding of `message` field by field: every field number must be one the
 * official definitions give that message, written with the wire type they give it. (A decoder
 * reads a known field number with the reader of its declared type whatever the wire type says,
 * and skips unknown numbers, so neither mistake would always show as a decode error.)
 */
function checkWire(bytes: Uint8Array, message: MessageName, path: string, violations: string[]): void {
  const byNumber = new Map(Object.entries(OTLP_FIELDS[message]).map(([name, f]) => [f.number, { name, ...f }]));
  let i = 0;
  const varint = (): number => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      if (i >= bytes.length) throw new Error(`${path}: truncated varint`);
      const b = bytes[i++];
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
  };
  while (i < bytes.length) {
    const tag = varint();
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    let body: Uint8Array | null = null;
    if (wireType === 0) varint();
    else if (wireType === 1) i += 8;
    else if (wireType === 5) i += 4;
    else if (wireType === 2) {
      const length = varint();
      body = bytes.subarray(i, i + length);
      i += length;
    } else throw new Error(`${path}: field ${number} has wire type ${wireType}, which no OTLP field uses`);
    if (i > bytes.length) throw new Error(`${path}: field ${number} runs past the end`);
    const field = byNumber.get(number);
    if (!field) violations.push(`${path}: field number ${number} is not a field of ${message}`);
    else if (field.wireType !== wireType) violations.push(`${path}.${field.name} (field ${number}): wire type ${wireType}, declared ${field.wireType}`);
    else if (body && field.kind in OTLP_CLASSES) checkWire(body, field.kind as MessageName, `${path}.${field.name}`, violations);
  }
}

interface AnyValueObject {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValueObject[] };
  kvlistValue?: unknown;
  bytesValue?: string;
}

function anyValue(v: AnyValueObject | undefined): AttributeValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(anyValue);
  return null;
}

function attributes(kvs: { key: string; value?: AnyValueObject }[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((kvs ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
}

interface RequestObject {
  resourceLogs?: {
    resource?: { attributes?: { key: string; value?: AnyValueObject }[] };
    scopeLogs?: {
      scope?: { name?: string; version?: string };
      logRecords?: (Omit<DecodedRecord, 'body' | 'attributes' | 'traceId' | 'spanId'> & {
        body?: AnyValueObject;
        attributes?: { key: string; value?: AnyValueObject }[];
        traceId?: number[];
        spanId?: number[];
      })[];
    }[];
  }[];
}

function normalise(message: object): DecodedRequest {
  const o = REQUEST.toObject(message, { longs: String, enums: Number, bytes: Array, defaults: true }) as RequestObject;
  const rl = o.resourceLogs ?? [];
  const records = rl.flatMap((r) =>
    (r.scopeLogs ?? []).flatMap((s) =>
      (s.logRecords ?? []).map((lr) => ({
        eventName: lr.eventName,
        severityNumber: lr.severityNumber,
        severityText: lr.severityText,
        body: anyValue(lr.body),
        attributes: attributes(lr.attributes),
        timeUnixNano: lr.timeUnixNano,
        observedTimeUnixNano: lr.observedTimeUnixNano,
        traceId: Buffer.from(lr.traceId ?? []).toString('hex'),
        spanId: Buffer.from(lr.spanId ?? []).toString('hex'),
        flags: lr.flags,
      })),
    ),
  );
  const scope = rl[0]?.scopeLogs?.[0]?.scope;
  return { resource: attributes(rl[0]?.resource?.attributes), scope: { name: scope?.name ?? '', version: scope?.version ?? '' }, records };
}

function decode(contentType: string, body: Buffer, violations: string[]): DecodedRequest | null {
  try {
    let message: object;
    if (contentType === 'application/x-protobuf') {
      checkWire(body, 'ExportLogsServiceRequest', 'request', violations);
      message = REQUEST.decode(body);
    } else {
      // Checked field by field first: verify() below would take JSON's decimal strings for 64-bit integers as wrong.
      const checked = checkJson(JSON.parse(body.toString('utf8')), 'ExportLogsServiceRequest', 'request', violations);
      message = REQUEST.fromObject(checked as Record<string, unknown>);
    }
    const invalid = REQUEST.verify(message);
    if (invalid) violations.push(`request: ${invalid}`);
    return normalise(message);
  } catch (err) {
    violations.push(`body does not decode: ${(err as Error).message}`);
    return null;
  }
}

export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Replies for the next requests, in order; after them every request gets 200. */
  script(...replies: Reply[]): void;
  /** Resolves when `n` requests have arrived. */
  received(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(expectedPath = '/v1/logs'): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const replies: Reply[] = [];
  const sockets = new Set<Socket>();
  const waiters: { n: number; resolve(): void }[] = [];
  const answer = (res: ServerResponse, contentType: string, status: number, headers: Record<string, string>, message: string | undefined): void => {
    const json = contentType === 'application/json';
    let body: Buffer;
    if (status === 200) body = json ? Buffer.from('{}') : Buffer.from(RESPONSE.encode(new RESPONSE()).finish());
    // google.rpc.Status { code 1, message 2 }: written by hand, its .proto is not among ours.
    else if (json) body = Buffer.from(JSON.stringify({ code: 3, message: message ?? '' }));
    else body = Buffer.concat([Buffer.from([0x08, 0x03, 0x12, Buffer.byteLength(message ?? '')]), Buffer.from(message ?? '')]);
    res.writeHead(status, { 'Content-Type': json ? 'application/json' : 'application/x-protobuf', ...headers });
    res.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const violations: string[] = [];
      const contentType = req.headers['content-type'] ?? '';
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.method !== 'POST') violations.push(`method ${req.method}, not POST`);
      if (path !== expectedPath) violations.push(`path ${path}, not ${expectedPath}`);
      if (contentType !== 'application/json' && contentType !== 'application/x-protobuf') violations.push(`Content-Type ${JSON.stringify(contentType)}`);
      const decoded = violations.length ? null : decode(contentType, Buffer.concat(chunks), violations);
      requests.push({ method: req.method ?? '', path, contentType, headers: req.headers, at: Date.now(), violations, decoded });
      for (const w of waiters.filter((w) => requests.length >= w.n)) w.resolve();
      const reply = replies.shift() ?? { status: 200 };
      if (reply === 'hang') return; // a connection that never answers
      answer(res, contentType, reply.status, reply.retryAfter !== undefined ? { 'Retry-After': reply.retryAfter } : {}, reply.message);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    script: (...r) => replies.push(...r),
    received: (n) => (requests.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
