// A small, strict RFC 6455 frame codec written for the tests, independent of `ws`, so the
// bytes the relay puts on the wire are judged by code that shares nothing with the relay.

export const Opcode = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface WireFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
  /** Byte offset of the frame's first byte in the stream. */
  offset: number;
}

export class FrameError extends Error {}

const KNOWN_OPCODES = new Set<number>(Object.values(Opcode));
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses server-to-client frames and rejects anything a correct server cannot send: RSV bits,
 * unknown opcodes, masked frames, non-minimal lengths, fragmented or oversized control frames,
 * broken fragmentation sequences, invalid UTF-8 in text, malformed Close payloads.
 */
export class FrameParser {
  private buffer: Buffer = Buffer.alloc(0);
  private consumed = 0;
  private fragmented: { opcode: number; parts: Buffer[] } | null = null;

  /** Feed bytes; returns the complete frames they finish. Throws FrameError on invalid framing. */
  push(chunk: Buffer): WireFrame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: WireFrame[] = [];
    for (;;) {
      const frame = this.next();
      if (!frame) break;
      frames.push(frame);
    }
    return frames;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffer.length;
  }

  private next(): WireFrame | null {
    const b = this.buffer;
    if (b.length < 2) return null;
    const offset = this.consumed;
    const first = b[0] as number;
    const second = b[1] as number;
    const fin = (first & 0x80) !== 0;
    const rsv = first & 0x70;
    const opcode = first & 0x0f;
    const masked = (second & 0x80) !== 0;
    let length = second & 0x7f;
    let header = 2;
    if (rsv !== 0) throw new FrameError(`RSV bits set at offset ${offset}`);
    if (!KNOWN_OPCODES.has(opcode)) throw new FrameError(`unknown opcode 0x${opcode.toString(16)} at offset ${offset}`);
    if (masked) throw new FrameError(`masked server frame at offset ${offset}`);
    if (length === 126) {
      if (b.length < 4) return null;
      length = b.readUInt16BE(2);
      header = 4;
      if (length < 126) throw new FrameError(`non-minimal 16-bit length at offset ${offset}`);
    } else if (length === 127) {
      if (b.length < 10) return null;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new FrameError(`absurd 64-bit length at offset ${offset}`);
      length = Number(big);
      header = 10;
      if (length < 65536) throw new FrameError(`non-minimal 64-bit length at offset ${offset}`);
    }
    const isControl = opcode >= 0x8;
    if (isControl && (!fin || length > 125)) throw new FrameError(`bad control frame (fin=${fin}, length=${length}) at offset ${offset}`);
    if (b.length < header + length) return null;
    const payload = Buffer.from(b.subarray(header, header + length));
    this.buffer = b.subarray(header + length);
    this.consumed += header + length;

    if (!isControl) this.checkSequence(opcode, fin, payload, offset);
    if (opcode === Opcode.close) checkClosePayload(payload, offset);
    return { fin, opcode, payload, offset };
  }

  private checkSequence(opcode: number, fin: boolean, payload: Buffer, offset: number): void {
    if (opcode === Opcode.continuation) {
      if (!this.fragmented) throw new FrameError(`continuation without a message at offset ${offset}`);
      this.fragmented.parts.push(payload);
    } else {
      if (this.fragmented) throw new FrameError(`new data frame inside a fragmented message at offset ${offset}`);
      this.fragmented = { opcode, parts: [payload] };
    }
    if (fin) {
      const message = this.fragmented;
      this.fragmented = null;
      if (message.opcode === Opcode.text) {
        try {
          utf8.decode(Buffer.concat(message.parts));
        } catch {
          throw new FrameError(`invalid UTF-8 in text message ending at offset ${offset}`);
        }
      }
    }
  }
}

function checkClosePayload(payload: Buffer, offset: number): void {
  if (payload.length === 1) throw new FrameError(`1-byte Close payload at offset ${offset}`);
  if (payload.length >= 2) {
    try {
      utf8.decode(payload.subarray(2));
    } catch {
      throw new FrameError(`invalid UTF-8 in Close reason at offset ${offset}`);
    }
  }
}

export interface EncodeOptions {
  fin?: boolean;
  /** Client frames must be masked; tests turn it off to send bad input. */
  mask?: boolean;
  rsv?: number;
}

/** Encode one frame the way a client sends it (masked by default). */
export function encodeFrame(opcode: number, payload: Buffer | string, options: EncodeOptions = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const fin = options.fin ?? true;
  const mask = options.mask ?? true;
  const rsv = options.rsv ?? 0;
  let header: Buffer;
  if (data.length < 126) {
    header = Buffer.alloc(2);
    header[1] = data.length;
  } else if (data.length < 65536) {
    header = Buffer.alloc(4);
    header[1] = 126;
    header.writeUInt16BE(data.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(data.length), 2);
  }
  header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  if (!mask) return Buffer.concat([header, data]);
  header[1] = (header[1] as number) | 0x80;
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i += 1) masked[i] = (data[i] as number) ^ (key[i & 3] as number);
  return Buffer.concat([header, key, masked]);
}

export function closeCodeOf(frame: WireFrame): number | null {
  return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : null;
}
