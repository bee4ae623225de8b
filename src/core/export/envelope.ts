// One export request's content, before encoding: the resource, our instrumentation scope, the
// records, and the trace they belong to. Both encodings (JSON and protobuf) read this.

import type { LogRecordData } from './logRecords';
import type { Attributes, TraceContext } from './resource';

export interface LogsEnvelope {
  resource: Attributes;
  scope: { name: string; version?: string };
  records: readonly LogRecordData[];
  trace: TraceContext | null;
}
