// Pure parsing and building of the relay's JSON messages. No sockets here, so every rule
// about what a valid request or reply looks like is testable on its own.

import { scanTopLevelValue, type ValueSpan } from './jsonScan';
import type { RelayErrorCode, RelayErrorReply } from './types';

export type MessageId = string | number;
export type JsonObject = { [key: string]: unknown };
/** The field that routes a request to its reply: `id` (the relay's own) or `request_id` (origin-style). */
export type IdKey = 'id' | 'request_id';

export type ParsedMessage = { ok: true; id: MessageId; body: JsonObject } | { ok: false; id: MessageId | null; code: RelayErrorCode; message: string };

function isMessageId(value: unknown): value is MessageId {
  return (typeof value === 'string' && value.length > 0) || (typeof value === 'number' && Number.isFinite(value));
}

/** Parse one inbound message; a request or reply must be a JSON object with a string or number `key` (default `id`). */
export function parseMessage(data: Buffer, isBinary: boolean, key: IdKey = 'id'): ParsedMessage {
  if (isBinary) {
    return { ok: false, id: null, code: 'binary_not_supported', message: `binary messages are not relayed; send a JSON text message with an "${key}"` };
  }
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, id: null, code: 'bad_json', message: `message is not valid JSON: ${detail}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, id: null, code: 'bad_json', message: `message must be a JSON object with an "${key}"` };
  }
  const body = value as JsonObject;
  const id = body[key];
  if (!isMessageId(id)) {
    return { ok: false, id: null, code: 'missing_id', message: `message has no "${key}" (a non-empty string or a finite number); the relay cannot route it` };
  }
  return { ok: true, id, body };
}

/** The same message with its `key` replaced (the relay renames ids so two clients' ids never collide). */
export function withId(body: JsonObject, id: MessageId, key: IdKey = 'id'): Buffer {
  return Buffer.from(JSON.stringify({ ...body, [key]: id }));
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function skipWhitespace(data: Buffer, i: number): number {
  let at = i;
  for (;;) {
    const c = data[at];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return at;
    at += 1;
  }
}

/**
 * Byte range of the top-level `key` value in a message `parseMessage` accepted, when it can be
 * found without a full parse: the object's first key is `"<key>"` and no other key later in the
 * text can decode to it (no `"<key>"` and no `\u` escape anywhere after the value). Otherwise
 * null, and the caller re-serialises. Works on the bytes: UTF-8 continuation bytes never
 * equal `"` or `\`, so scanning bytes for them is safe.
 */
const QUOTED_KEYS: Record<IdKey, Buffer> = { id: Buffer.from('"id"'), request_id: Buffer.from('"request_id"') };

export function idSpan(data: Buffer, key: IdKey = 'id'): { start: number; end: number } | null {
  const quoted = QUOTED_KEYS[key];
  let i = skipWhitespace(data, 0);
  if (data[i] !== 0x7b) return null; // {
  i = skipWhitespace(data, i + 1);
  if (i + quoted.length > data.length || data.compare(quoted, 0, quoted.length, i, i + quoted.length) !== 0) return null; // "<key>"
  i = skipWhitespace(data, i + quoted.length);
  if (data[i] !== 0x3a) return null; // :
  const start = skipWhitespace(data, i + 1);
  let end: number;
  const first = data[start];
  if (first === QUOTE) {
    let from = start + 1;
    for (;;) {
      const quote = data.indexOf(QUOTE, from);
      if (quote < 0) return null;
      let backslashes = 0;
      while (data[quote - 1 - backslashes] === BACKSLASH) backslashes += 1;
      from = quote + 1;
      if (backslashes % 2 === 0) break;
    }
    end = from;
  } else if (first === 0x2d || (first !== undefined && first >= 0x30 && first <= 0x39)) {
    end = start + 1;
    for (;;) {
      const c = data[end];
      // digits . e E + -
      if (c === undefined || !((c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d)) break;
      end += 1;
    }
  } else {
    return null;
  }
  if (data.indexOf(quoted, end) !== -1 || data.indexOf('\\u', end) !== -1) return null;
  return { start, end };
}

/**
 * `withId` for a message that arrived as `data` and parsed as `body`: when the id's place in
 * the text is certain (see `idSpan`), only those bytes are replaced and the rest of the message
 * is copied as it came (one memcpy instead of a JSON re-serialisation of the whole message,
 * which dominated the relay's CPU for 16 KiB messages). The result parses to the same value
 * either way.
 */
export function renameId(data: Buffer, body: JsonObject, id: MessageId, key: IdKey = 'id'): Buffer {
  const span = idSpan(data, key);
  if (span === null) return withId(body, id, key);
  return spliceId(data, span, id);
}

/**
 * An accepted message as the dispatcher routes it: its id, and either where the id sits in the
 * bytes (the hot path: nothing materialised) or the parsed body (the full-parse path).
 */
export type RoutedMessage =
  { ok: true; id: MessageId; span: ValueSpan; body: null } | { ok: true; id: MessageId; span: null; body: JsonObject } | Extract<ParsedMessage, { ok: false }>;

/** The id at a span the scanner found, when it is routable as it stands; else undefined. */
function idAt(data: Buffer, span: ValueSpan): MessageId | undefined {
  const first = data[span.start];
  if (first === QUOTE) {
    if (span.end - span.start <= 2) return undefined; // "" is not an id
    for (let i = span.start + 1; i < span.end - 1; i += 1) if (data[i] === BACKSLASH) return undefined; // escapes: let JSON.parse decode
    return data.toString('utf8', span.start + 1, span.end - 1);
  }
  if (first === 0x2d || (first !== undefined && first >= 0x30 && first <= 0x39)) {
    const value = Number(data.toString('latin1', span.start, span.end));
    return Number.isFinite(value) ? value : undefined; // 1e999 parses to Infinity: not an id
  }
  return undefined;
}

/**
 * `parseMessage` for routing: a valid message whose id the byte scanner can locate with
 * certainty is accepted without decoding or parsing its body; anything else (invalid, odd or
 * ambiguous) goes through `parseMessage`, which gives the same verdicts and error texts as
 * before. Both paths accept exactly the same messages with the same ids.
 */
export function readMessage(data: Buffer, isBinary: boolean, key: IdKey = 'id'): RoutedMessage {
  if (!isBinary) {
    const span = scanTopLevelValue(data, QUOTED_KEYS[key]);
    const id = span === null ? undefined : idAt(data, span);
    if (span !== null && id !== undefined) return { ok: true, id, span, body: null };
  }
  const parsed = parseMessage(data, isBinary, key);
  return parsed.ok ? { ok: true, id: parsed.id, span: null, body: parsed.body } : parsed;
}

/** The routed message with its id replaced: a splice of the id's bytes when its place is known. */
export function forwardWithId(data: Buffer, message: Extract<RoutedMessage, { ok: true }>, id: MessageId, key: IdKey = 'id'): Buffer {
  if (message.span === null) return renameId(data, message.body, id, key);
  return spliceId(data, message.span, id);
}

/**
 * Messages at least this long are forwarded as views of the bytes they arrived in (no copy);
 * shorter ones are copied. A view keeps the whole socket read it came from alive (at most 64 KiB,
 * Node's read size; a message spanning reads is already a copy `ws` made), so views only for
 * messages of 16 KiB and more keep a queue's real memory within 4x of the bytes it counts.
 */
const VIEW_FROM = 16 * 1024;

/**
 * `forwardWithId` as the pieces of one message, for the writer to frame (see dataFrame.ts): a
 * large message whose id's place is known goes as [bytes before the id, new id, bytes after]
 * without being copied; anything else as one buffer.
 */
export function forwardParts(data: Buffer, message: Extract<RoutedMessage, { ok: true }>, id: MessageId, key: IdKey = 'id'): Buffer | Buffer[] {
  const span = message.span;
  if (span === null || data.length < VIEW_FROM) return forwardWithId(data, message, id, key);
  return [data.subarray(0, span.start), Buffer.from(JSON.stringify(id)), data.subarray(span.end)];
}

function spliceId(data: Buffer, span: ValueSpan, id: MessageId): Buffer {
  const idText = JSON.stringify(id);
  const idBytes = Buffer.byteLength(idText);
  const out = Buffer.allocUnsafe(span.start + idBytes + (data.length - span.end));
  data.copy(out, 0, 0, span.start);
  out.write(idText, span.start, idBytes, 'utf8');
  data.copy(out, span.start + idBytes, span.end);
  return out;
}

/** `{ <key>: id, error: { code, message } }`: the error carries the id under the profile's own key. */
export function errorReply(id: MessageId | null, code: RelayErrorCode, message: string, key: IdKey = 'id'): Buffer {
  const reply: RelayErrorReply = { id, error: { code, message } };
  if (key === 'id') return Buffer.from(JSON.stringify(reply));
  return Buffer.from(JSON.stringify({ [key]: id, error: reply.error }));
}
