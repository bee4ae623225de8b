// Newline-delimited JSON with a size limit, for both ends of the bridge. A line longer than
// the limit is an error as soon as the limit is passed (not when its newline finally comes),
// so a peer cannot make us buffer without bound.

export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`message longer than ${limit} bytes`);
    this.name = 'LineTooLongError';
  }
}

export class MalformedLineError extends Error {
  constructor(detail: string) {
    super(`malformed message: ${detail}`);
    this.name = 'MalformedLineError';
  }
}

/** Splits a byte stream into lines; `push` returns the complete lines in this chunk. */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) break;
      const piece = chunk.subarray(start, nl);
      if (this.pendingBytes + piece.length > this.maxLineBytes) throw new LineTooLongError(this.maxLineBytes);
      if (this.pendingBytes === 0) {
        lines.push(piece.toString('utf8'));
      } else {
        this.pending.push(piece);
        lines.push(Buffer.concat(this.pending).toString('utf8'));
        this.pending = [];
        this.pendingBytes = 0;
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxLineBytes) throw new LineTooLongError(this.maxLineBytes);
      this.pending.push(rest);
    }
    return lines;
  }
}

/** Parses one line as a JSON object (arrays and scalars are malformed messages here). */
export function parseObjectLine(line: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new MalformedLineError(`not JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedLineError('not a JSON object');
  return value as Record<string, unknown>;
}

export function encodeLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
