// Reading the collector's answer: the partial success of a 200 (ExportLogsServiceResponse)
// and the message of a 4xx/5xx (google.rpc.Status), in whichever encoding was sent. Both are
// diagnostics for the one warning line; anything unreadable is simply left out.

/** Top-level fields of a protobuf message: number → values (varints as bigint, length-delimited as bytes). */
function fields(buf: Buffer): Map<number, (bigint | Buffer)[]> {
  const out = new Map<number, (bigint | Buffer)[]>();
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= buf.length || shift > 63n) throw new Error('truncated varint');
      const b = buf[i++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    let value: bigint | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new Error('truncated field');
      value = buf.subarray(i, i + len);
      i += len;
    } else if (wire === 1) {
      value = buf.subarray(i, (i += 8));
    } else if (wire === 5) {
      value = buf.subarray(i, (i += 4));
    } else throw new Error(`wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

export interface PartialSuccess {
  rejected: number;
  message: string;
}

/** The partial_success of an ExportLogsServiceResponse, or null when unset or unreadable. */
export function partialSuccess(body: Buffer, json: boolean): PartialSuccess | null {
  if (body.length === 0) return null;
  try {
    if (json) {
      const p = (JSON.parse(body.toString('utf8')) as { partialSuccess?: { rejectedLogRecords?: string | number; errorMessage?: string } }).partialSuccess;
      if (!p) return null;
      return { rejected: Number(p.rejectedLogRecords ?? 0), message: p.errorMessage ?? '' };
    }
    const p = fields(body).get(1)?.[0];
    if (!(p instanceof Buffer)) return null;
    const inner = fields(p);
    const rejected = inner.get(1)?.[0];
    const message = inner.get(2)?.[0];
    return { rejected: typeof rejected === 'bigint' ? Number(rejected) : 0, message: message instanceof Buffer ? message.toString('utf8') : '' };
  } catch {
    return null;
  }
}

/** google.rpc.Status.message of an error response; '' when absent or unreadable. */
export function statusMessage(body: Buffer, json: boolean): string {
  if (body.length === 0) return '';
  try {
    if (json) return String((JSON.parse(body.toString('utf8')) as { message?: unknown }).message ?? '');
    const m = fields(body).get(2)?.[0];
    return m instanceof Buffer ? m.toString('utf8') : '';
  } catch {
    // Not a Status at all (a proxy's HTML page): show a little of it.
    return body.toString('utf8', 0, 120).replace(/\s+/g, ' ').trim();
  }
}
