// Pure parsing and building of the relay's JSON messages. No sockets here, so every rule
// about what a valid request or reply looks like is testable on its own.

import type { RelayErrorCode, RelayErrorReply } from './types';

export type MessageId = string | number;
export type JsonObject = { [key: string]: unknown };

export type ParsedMessage =
  | { ok: true; id: MessageId; body: JsonObject }
  | { ok: false; id: MessageId | null; code: RelayErrorCode; message: string };

function isMessageId(value: unknown): value is MessageId {
  return (typeof value === 'string' && value.length > 0) || (typeof value === 'number' && Number.isFinite(value));
}

/** Parse one inbound message; a request or reply must be a JSON object with a string or number `id`. */
export function parseMessage(data: Buffer, isBinary: boolean): ParsedMessage {
  if (isBinary) {
    return { ok: false, id: null, code: 'binary_not_supported', message: 'binary messages are not relayed; send a JSON text message with an "id"' };
  }
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, id: null, code: 'bad_json', message: `message is not valid JSON: ${detail}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, id: null, code: 'bad_json', message: 'message must be a JSON object with an "id"' };
  }
  const body = value as JsonObject;
  if (!isMessageId(body.id)) {
    return { ok: false, id: null, code: 'missing_id', message: 'message has no "id" (a non-empty string or a finite number); the relay cannot route it' };
  }
  return { ok: true, id: body.id, body };
}

/** The same message with its `id` replaced (the relay renames ids so two clients' ids never collide). */
export function withId(body: JsonObject, id: MessageId): Buffer {
  return Buffer.from(JSON.stringify({ ...body, id }));
}

export function errorReply(id: MessageId | null, code: RelayErrorCode, message: string): Buffer {
  const reply: RelayErrorReply = { id, error: { code, message } };
  return Buffer.from(JSON.stringify(reply));
}
