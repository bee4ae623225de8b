// ExportLogsServiceRequest in the binary protobuf encoding, written by hand for the handful of
// messages a logs export needs (field numbers from opentelemetry/proto/{collector/logs,logs,
// common,resource}/v1/*.proto). The test suite decodes what this writes with the official
// definitions (test/doctor/otlpReceiver.ts), so a wrong number or wire type fails there.

import type { LogsEnvelope } from './envelope';
import type { AttributeValue, Attributes } from './resource';

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/** A growable byte buffer with the few protobuf primitives used here. */
class Writer {
  private chunks: Buffer[] = [];

  private push(b: Buffer): void {
    this.chunks.push(b);
  }

  private varint(n: bigint): void {
    const bytes: number[] = [];
    let v = BigInt.asUintN(64, n);
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.push(Buffer.from(bytes));
  }

  private tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  uint(field: number, n: number | bigint): void {
    this.tag(field, VARINT);
    this.varint(BigInt(n));
  }

  bool(field: number, b: boolean): void {
    this.uint(field, b ? 1 : 0);
  }

  fixed64(field: number, n: bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, n));
    this.tag(field, I64);
    this.push(b);
  }

  double(field: number, n: number): void {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(n);
    this.tag(field, I64);
    this.push(b);
  }

  fixed32(field: number, n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    this.tag(field, I32);
    this.push(b);
  }

  bytes(field: number, b: Buffer): void {
    this.tag(field, LEN);
    this.varint(BigInt(b.length));
    this.push(b);
  }

  string(field: number, s: string): void {
    this.bytes(field, Buffer.from(s, 'utf8'));
  }

  message(field: number, write: (w: Writer) => void): void {
    const inner = new Writer();
    write(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

// AnyValue: string_value 1, bool_value 2, int_value 3 (int64), double_value 4, array_value 5.
function anyValue(w: Writer, v: AttributeValue): void {
  if (typeof v === 'string') w.string(1, v);
  else if (typeof v === 'boolean') w.bool(2, v);
  else if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) w.uint(3, BigInt(v));
    else w.double(4, v);
  } else w.message(5, (arr) => v.forEach((s) => arr.message(1, (item) => item.string(1, s))));
}

// KeyValue: key 1, value 2.
function keyValues(w: Writer, field: number, attrs: Attributes): void {
  for (const [key, value] of Object.entries(attrs)) {
    w.message(field, (kv) => {
      kv.string(1, key);
      kv.message(2, (av) => anyValue(av, value));
    });
  }
}

export function encodeProtobuf(e: LogsEnvelope, observedUnixNano: bigint): Buffer {
  const w = new Writer();
  // ExportLogsServiceRequest.resource_logs 1 → ResourceLogs { resource 1, scope_logs 2 }
  w.message(1, (rl) => {
    rl.message(1, (res) => keyValues(res, 1, e.resource));
    rl.message(2, (sl) => {
      // ScopeLogs { scope 1 { name 1, version 2 }, log_records 2 }
      sl.message(1, (scope) => {
        scope.string(1, e.scope.name);
        if (e.scope.version) scope.string(2, e.scope.version);
      });
      for (const r of e.records) {
        // LogRecord { time_unix_nano 1 (fixed64), severity_number 2, severity_text 3, body 5,
        // attributes 6, flags 8 (fixed32), trace_id 9, span_id 10, observed_time_unix_nano 11 (fixed64), event_name 12 }
        sl.message(2, (lr) => {
          lr.fixed64(1, r.timeUnixNano);
          lr.uint(2, r.severityNumber);
          lr.string(3, r.severityText);
          lr.message(5, (body) => body.string(1, r.body));
          keyValues(lr, 6, r.attributes);
          if (e.trace) {
            lr.fixed32(8, e.trace.flags);
            lr.bytes(9, Buffer.from(e.trace.traceId, 'hex'));
            lr.bytes(10, Buffer.from(e.trace.spanId, 'hex'));
          }
          lr.fixed64(11, observedUnixNano);
          lr.string(12, r.eventName);
        });
      }
    });
  });
  return w.finish();
}
