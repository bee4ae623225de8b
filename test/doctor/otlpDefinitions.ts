// The official OTLP definitions as the OpenTelemetry project publishes them compiled: protobufjs
// static classes in @opentelemetry/otlp-transformer (the devDependency otlp-proto-official, pinned),
// so no copy of the .proto files lives in this repository. Static classes carry no reflection, so
// the kind of each field of the logs messages is written down here (FIELDS) and proven against the
// classes when this module loads: the same field names as each class's prototype declares, the
// kind its verify() names for a wrong value, the class its fromObject() builds for a nested
// message, and the field number and wire type its encode() writes. A table that disagrees with the
// official definitions throws here, before any test runs.
import otlpRoot from 'otlp-proto-official/build/src/generated/root.js';

export interface StaticMessageClass {
  new (): object;
  prototype: object;
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  fromObject(object: Record<string, unknown>): Record<string, unknown>;
  toObject(message: object, options: Record<string, unknown>): unknown;
  verify(message: unknown): string | null;
}

/** A class of the official module by its package path, e.g. 'logs.v1.LogRecord'. */
function officialClass(path: string): StaticMessageClass {
  let node: unknown = otlpRoot;
  for (const part of `opentelemetry.proto.${path}`.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== 'function') throw new Error(`no class opentelemetry.proto.${path} in the official definitions`);
  return node as StaticMessageClass;
}

const CLASSES = {
  ExportLogsServiceRequest: officialClass('collector.logs.v1.ExportLogsServiceRequest'),
  ExportLogsServiceResponse: officialClass('collector.logs.v1.ExportLogsServiceResponse'),
  ResourceLogs: officialClass('logs.v1.ResourceLogs'),
  ScopeLogs: officialClass('logs.v1.ScopeLogs'),
  LogRecord: officialClass('logs.v1.LogRecord'),
  Resource: officialClass('resource.v1.Resource'),
  EntityRef: officialClass('common.v1.EntityRef'),
  InstrumentationScope: officialClass('common.v1.InstrumentationScope'),
  KeyValue: officialClass('common.v1.KeyValue'),
  AnyValue: officialClass('common.v1.AnyValue'),
  ArrayValue: officialClass('common.v1.ArrayValue'),
  KeyValueList: officialClass('common.v1.KeyValueList'),
};

export type MessageName = keyof typeof CLASSES;
export type ScalarKind = 'string' | 'bytes' | 'bool' | 'double' | 'int64' | 'fixed64' | 'uint32' | 'fixed32' | 'enum';
export interface FieldKind {
  kind: ScalarKind | MessageName;
  repeated: boolean;
  /** Field number and wire type, as the official encoder writes them. */
  number: number;
  wireType: number;
}

// Field names and kinds of the OTLP logs request (facts of the specification). 'X[]' is repeated.
const FIELDS: Record<Exclude<MessageName, 'ExportLogsServiceResponse'>, Record<string, string>> = {
  ExportLogsServiceRequest: { resourceLogs: 'ResourceLogs[]' },
  ResourceLogs: { resource: 'Resource', scopeLogs: 'ScopeLogs[]', schemaUrl: 'string' },
  Resource: { attributes: 'KeyValue[]', droppedAttributesCount: 'uint32', entityRefs: 'EntityRef[]' },
  EntityRef: { schemaUrl: 'string', type: 'string', idKeys: 'string[]', descriptionKeys: 'string[]' },
  ScopeLogs: { scope: 'InstrumentationScope', logRecords: 'LogRecord[]', schemaUrl: 'string' },
  InstrumentationScope: { name: 'string', version: 'string', attributes: 'KeyValue[]', droppedAttributesCount: 'uint32' },
  LogRecord: {
    timeUnixNano: 'fixed64',
    observedTimeUnixNano: 'fixed64',
    severityNumber: 'enum',
    severityText: 'string',
    body: 'AnyValue',
    attributes: 'KeyValue[]',
    droppedAttributesCount: 'uint32',
    flags: 'fixed32',
    traceId: 'bytes',
    spanId: 'bytes',
    eventName: 'string',
  },
  KeyValue: { key: 'string', value: 'AnyValue' },
  AnyValue: {
    stringValue: 'string',
    boolValue: 'bool',
    intValue: 'int64',
    doubleValue: 'double',
    arrayValue: 'ArrayValue',
    kvlistValue: 'KeyValueList',
    bytesValue: 'bytes',
  },
  ArrayValue: { values: 'AnyValue[]' },
  KeyValueList: { values: 'KeyValue[]' },
};

// What a static class's verify() says of the value 0.5 in a field of each kind (null: accepted).
const VERIFY_HALF: Record<ScalarKind, string | null> = {
  string: 'string expected',
  bytes: 'buffer expected',
  bool: 'boolean expected',
  double: null,
  int64: 'integer|Long expected',
  fixed64: 'integer|Long expected',
  uint32: 'integer expected',
  fixed32: 'integer expected',
  enum: 'enum value expected',
};
// A value of each kind in the form fromObject() takes, and the wire type each kind is written with.
const SAMPLE: Record<ScalarKind, unknown> = { string: 'x', bytes: 'AQ==', bool: true, double: 0.5, int64: 1, fixed64: 1, uint32: 1, fixed32: 1, enum: 1 };
const WIRE: Record<ScalarKind, number> = { string: 2, bytes: 2, bool: 0, double: 1, int64: 0, fixed64: 1, uint32: 0, fixed32: 5, enum: 0 };

const isMessage = (kind: string): kind is MessageName => kind in CLASSES;

/** Field names a static class declares: its prototype's data properties (oneof getters and methods are not fields). */
function declaredFields(cls: StaticMessageClass): string[] {
  return Object.entries(Object.getOwnPropertyDescriptors(cls.prototype))
    .filter(([, d]) => 'value' in d && typeof d.value !== 'function')
    .map(([name]) => name);
}

/** The first tag of an encoding: field number and wire type. */
function firstTag(bytes: Uint8Array): { number: number; wireType: number } {
  let tag = 0;
  for (let i = 0, shift = 0; i < bytes.length; i++, shift += 7) {
    tag += (bytes[i] & 0x7f) * 2 ** shift;
    if (bytes[i] < 0x80) break;
  }
  return { number: Math.floor(tag / 8), wireType: tag % 8 };
}

function proveField(message: MessageName, cls: StaticMessageClass, name: string, written: string, problems: string[]): FieldKind {
  const repeated = written.endsWith('[]');
  const kind = written.replace('[]', '') as ScalarKind | MessageName;
  const at = `${message}.${name} (${written})`;
  const half = cls.verify({ [name]: 0.5 });
  const expectedHalf = repeated
    ? `${name}: array expected`
    : isMessage(kind)
      ? `${name}.object expected`
      : VERIFY_HALF[kind] && `${name}: ${VERIFY_HALF[kind]}`;
  if (half !== expectedHalf) problems.push(`${at}: verify(0.5) says ${JSON.stringify(half)}, expected ${JSON.stringify(expectedHalf)}`);
  if (repeated) {
    const item = cls.verify({ [name]: [0.5] });
    const expectedItem = isMessage(kind) ? `${name}.object expected` : `${name}: ${VERIFY_HALF[kind]?.replace(' expected', '[] expected')}`;
    if (item !== expectedItem) problems.push(`${at}: verify([0.5]) says ${JSON.stringify(item)}, expected ${JSON.stringify(expectedItem)}`);
  }
  const sample = isMessage(kind) ? {} : SAMPLE[kind];
  const built = cls.fromObject({ [name]: repeated ? [sample] : sample });
  if (isMessage(kind)) {
    const value = repeated ? (built[name] as unknown[])[0] : built[name];
    if (!(value instanceof CLASSES[kind])) problems.push(`${at}: fromObject does not build a ${kind}`);
  }
  const encoded = cls.encode(built).finish();
  if (encoded.length === 0) problems.push(`${at}: the official encoder writes nothing for it`);
  const { number, wireType } = firstTag(encoded);
  const expectedWire = repeated || isMessage(kind) ? 2 : WIRE[kind];
  if (wireType !== expectedWire) problems.push(`${at}: encoded with wire type ${wireType}, expected ${expectedWire}`);
  return { kind, repeated, number, wireType };
}

function proveAll(): Record<MessageName, Record<string, FieldKind>> {
  const problems: string[] = [];
  const proven = { ExportLogsServiceResponse: {} } as Record<MessageName, Record<string, FieldKind>>;
  for (const [message, fields] of Object.entries(FIELDS) as [Exclude<MessageName, 'ExportLogsServiceResponse'>, Record<string, string>][]) {
    const cls = CLASSES[message];
    const declared = declaredFields(cls).sort();
    if (declared.join() !== Object.keys(fields).sort().join())
      problems.push(`${message}: official fields ${declared.join(', ')}; table has ${Object.keys(fields).join(', ')}`);
    proven[message] = Object.fromEntries(Object.entries(fields).map(([name, written]) => [name, proveField(message, cls, name, written, problems)]));
  }
  if (problems.length) throw new Error(`the OTLP field table disagrees with the official definitions:\n${problems.join('\n')}`);
  return proven;
}

/** Each logs message's fields, by lowerCamelCase name: kind, repetition, number and wire type, all checked against the official classes. */
export const OTLP_FIELDS = proveAll();
export const OTLP_CLASSES: Record<MessageName, StaticMessageClass> = CLASSES;
