// Reads a response body with a byte limit. An unbounded read of a 50 MB body grew the process
// by ~250 MiB (chunks, their concatenation, the string, the parse); a broker's JSON is a few
// KB, so anything past the limit is an error, raised as soon as the limit is crossed — the
// rest is never read.

import type { Readable } from 'node:stream';
import { ResponseTooLargeError } from './errors';

export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/**
 * Resolves with the body as UTF-8; rejects with ResponseTooLargeError once more than
 * `limit` bytes are declared (Content-Length) or have arrived. The caller aborts the request
 * on rejection, which destroys the connection.
 */
export async function readBounded(body: Readable, limit: number, callName: string, declaredLength: string | undefined): Promise<string> {
  const declared = declaredLength === undefined ? NaN : Number(declaredLength);
  if (Number.isFinite(declared) && declared > limit) throw new ResponseTooLargeError(callName, limit, declared);
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    received += buf.length;
    if (received > limit) throw new ResponseTooLargeError(callName, limit, null);
    chunks.push(buf);
  }
  return Buffer.concat(chunks, received).toString('utf8');
}
