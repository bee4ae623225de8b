// The relay routes on a byte scan of each message instead of a full JSON.parse. It must accept
// exactly what parseMessage accepts, with the same id and the same error, and the forwarded
// bytes must parse to what re-serialising would give. Checked against parseMessage on edge
// cases, on seeded random mutations of them, and on long strings (the scanner's word-wise
// path) at every buffer alignment.
import { describe, expect, test } from 'vitest';
import { forwardParts, forwardWithId, parseMessage, readMessage, withId, type IdKey } from '../../src/core/relay/messages';
import { scanTopLevelValue } from '../../src/core/relay/jsonScan';

const EDGE_CASES = [
  '{"id":1}',
  '{"id":"a"}',
  '{"id":""}',
  '{"id":null}',
  '{"id":{}}',
  '{"id":[]}',
  '{"id":[1]}',
  '{"id":{"a":1}}',
  '{"id":1e999}',
  '{"id":-0}',
  '{"id":1.5e3}',
  '{"id":01}',
  '{"id":1.}',
  '{"id":-}',
  '{"id":"a\\"b"}',
  '{"id":"\\u0041"}',
  '{"\\u0069d":5}',
  '{"id":1,"id":2}',
  '{"id":1,"x":{"id":3}}',
  '{"x":[1,2,{"id":9}],"id":"q"}',
  ' {"id" : 7 } ',
  '{"id":7}x',
  '{"id":7,}',
  '{"id":7',
  "{'id':1}",
  '{"id":"a\nb"}',
  '{"id":"a\tb"}',
  '{"a":"\u0001","id":1}',
  '{"id":1,"a":"\\x"}',
  '{"id":1,"a":"\\u12G4"}',
  '{"id":1,"a":tru}',
  '{"id":1,"a":true,"b":false,"c":null,"d":[],"e":{}}',
  '[1]',
  '"s"',
  '1',
  '',
  '   ',
  '{"id":2,"n":-0.5E-3}',
  '{"id":2,"n":+1}',
  '{"id":2,"n":.5}',
  '{"id":"é✓"}',
  '{"request_id":3,"id":1}',
  '{"id":"x","request_id":"r"}',
  '{}',
  '{"id":1 "x":2}',
  '{"id":1,,"x":2}',
  '{"id":[1,2]}',
  '{"a":[[[[{"b":[]}]]]],"id":4}',
  '{"id":4,"a":[[[[{"b":[]}]]]]}',
  '{"a":[}],"id":1}',
  '{"a":{]},"id":1}',
];

/** Seeded, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

function expectSameVerdict(data: Buffer, key: IdKey): void {
  const full = parseMessage(data, false, key);
  const routed = readMessage(data, false, key);
  if (!full.ok || !routed.ok) {
    expect(routed, data.toString()).toEqual(full);
    return;
  }
  expect(Object.is(routed.id, full.id), `${data.toString()}: ${String(routed.id)} vs ${String(full.id)}`).toBe(true);
  expect(JSON.parse(forwardWithId(data, routed, 'r1', key).toString())).toEqual(JSON.parse(withId(full.body, 'r1', key).toString()));
}

describe('readMessage (byte scan) agrees with parseMessage (full parse)', () => {
  test('on edge cases, for both routing keys', () => {
    for (const text of EDGE_CASES) for (const key of ['id', 'request_id'] as const) expectSameVerdict(Buffer.from(text), key);
  });

  test('on 20,000 random mutations of them', () => {
    const rnd = random(1);
    const alphabet = '{}[]":,01-.eE+ \\u\tidxtrufalsn';
    for (let n = 0; n < 20_000; n += 1) {
      let text = EDGE_CASES[Math.floor(rnd() * EDGE_CASES.length)] as string;
      for (let edits = 1 + Math.floor(rnd() * 3); edits > 0; edits -= 1) {
        const at = Math.floor(rnd() * (text.length + 1));
        const ch = alphabet[Math.floor(rnd() * alphabet.length)] as string;
        const op = rnd();
        text =
          op < 0.4 ? text.slice(0, at) + ch + text.slice(at) : op < 0.7 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + ch + text.slice(at + 1);
      }
      expectSameVerdict(Buffer.from(text), rnd() < 0.5 ? 'id' : 'request_id');
    }
  });

  test('on long strings with quotes, escapes, control and non-ASCII bytes anywhere, at every alignment', () => {
    const rnd = random(2);
    const specials = ['"', '\\', '\n', '\u0001', '\\"', '\\u00e9', 'é', '\\x', '\u001f', '\\\\'];
    for (let n = 0; n < 4_000; n += 1) {
      let body = 'a'.repeat(60 + Math.floor(rnd() * 300));
      for (let k = Math.floor(rnd() * 3); k > 0; k -= 1) {
        const at = Math.floor(rnd() * body.length);
        body = body.slice(0, at) + (specials[Math.floor(rnd() * specials.length)] as string) + body.slice(at);
      }
      const text = rnd() < 0.5 ? `{"id":${n},"p":"${body}"}` : `{"p":"${body}","id":"k${n}"}`;
      const offset = n % 8;
      const bytes = Buffer.byteLength(text);
      const backing = Buffer.alloc(offset + bytes + 3, 0x22);
      backing.write(text, offset);
      expectSameVerdict(backing.subarray(offset, offset + bytes), 'id');
    }
  });

  test('the hot path finds the id without a parse: the span is the value of the one top-level key', () => {
    const data = Buffer.from('{"x":{"id":0},"id" : "abc" ,"y":[1]}');
    const span = scanTopLevelValue(data, Buffer.from('"id"'));
    expect(span && data.toString('utf8', span.start, span.end)).toBe('"abc"');
    const routed = readMessage(data, false);
    expect(routed).toMatchObject({ ok: true, id: 'abc', body: null });
    // Only the id's bytes change on the way through; everything else goes as it came.
    expect(forwardWithId(data, routed as Extract<typeof routed, { ok: true }>, 'r9').toString()).toBe('{"x":{"id":0},"id" : "r9" ,"y":[1]}');
  });

  test('a large message is forwarded as views of its own bytes around the new id, byte for byte what forwardWithId gives', () => {
    for (const text of [`{"id":7,"p":"${'a'.repeat(20_000)}"}`, `{"p":"${'b'.repeat(20_000)}","id":"k"}`, `{"id":1,"p":"${'c'.repeat(100)}"}`]) {
      const data = Buffer.from(text);
      const routed = readMessage(data, false) as Extract<ReturnType<typeof readMessage>, { ok: true }>;
      const parts = forwardParts(data, routed, 'r42');
      const bytes = Buffer.isBuffer(parts) ? parts : Buffer.concat(parts);
      expect(bytes.equals(forwardWithId(data, routed, 'r42'))).toBe(true);
      // Views for large messages (no copy of the body); one compact copy for small ones.
      expect(Array.isArray(parts)).toBe(data.length >= 16 * 1024);
      if (Array.isArray(parts)) expect(parts.some((part) => part.buffer === data.buffer && part.length > 10_000)).toBe(true);
    }
  });
});
