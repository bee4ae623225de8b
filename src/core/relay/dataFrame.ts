// WebSocket data frames built by the relay itself (RFC 6455 §5.2: server frames, unmasked, one
// frame per message), so a message can go out as the pieces it already is. A forwarded message
// is the bytes before its id, the new id, and the bytes after it; `ws.send` takes one buffer, so
// the relay used to copy every message into a new one — for 16 KiB messages that copy, and the
// garbage collections its fresh 16 KiB buffers set off, were a large share of the relay's CPU.
//
// Pieces are handed to the socket as they are when large (the socket's writev gathers them) and
// copied together with the header when small (one write instead of several; small copies are
// cheap and come from Buffer's pool). RSV1 is never set: the relay negotiates no
// permessage-deflate, and an uncompressed frame is valid even where it is negotiated.

/** Pieces shorter than this are copied into the header's chunk rather than written on their own. */
const COPY_BELOW = 1024;

export type Payload = Buffer | readonly Buffer[];

export function payloadBytes(payload: Payload): number {
  if (Buffer.isBuffer(payload)) return payload.length;
  let bytes = 0;
  for (const part of payload) bytes += part.length;
  return bytes;
}

function headerBytes(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10;
}

/** Writes a FIN frame header for a text or binary message of `length` bytes; returns its size. */
function writeHeader(target: Buffer, length: number, binary: boolean): number {
  target[0] = 0x80 | (binary ? 0x2 : 0x1);
  if (length < 126) {
    target[1] = length;
    return 2;
  }
  if (length < 0x10000) {
    target[1] = 126;
    target.writeUInt16BE(length, 2);
    return 4;
  }
  target[1] = 127;
  target.writeUInt32BE(Math.floor(length / 0x100000000), 2);
  target.writeUInt32BE(length >>> 0, 6);
  return 10;
}

/** The chunks to write, in order, for one unfragmented data frame carrying `payload`. */
export function dataFrameChunks(payload: Payload, binary: boolean): Buffer[] {
  const parts: readonly Buffer[] = Buffer.isBuffer(payload) ? [payload] : payload;
  const length = payloadBytes(parts);
  const chunks: Buffer[] = [];
  let from = 0; // first part not yet in a chunk
  let header = true; // the header is not written yet
  for (let i = 0; i <= parts.length; i += 1) {
    const part = parts[i];
    if (part !== undefined && part.length < COPY_BELOW) continue;
    // parts[from, i) are small: one chunk with them (and the header, the first time).
    let size = header ? headerBytes(length) : 0;
    for (let k = from; k < i; k += 1) size += (parts[k] as Buffer).length;
    if (size > 0) {
      const chunk = Buffer.allocUnsafe(size);
      let at = header ? writeHeader(chunk, length, binary) : 0;
      for (let k = from; k < i; k += 1) at += (parts[k] as Buffer).copy(chunk, at);
      chunks.push(chunk);
    }
    header = false;
    if (part !== undefined) chunks.push(part);
    from = i + 1;
  }
  return chunks;
}
