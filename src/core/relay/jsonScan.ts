// A validating JSON scanner over raw bytes that finds where one top-level key's value sits,
// without building a string or an object. Routing needs only the id; a full JSON.parse of a
// 16 KiB request (after decoding it to a string) materialised the whole body twice per hop
// and was, with the garbage it left, the largest share of the relay's own CPU.
//
// It accepts exactly the texts JSON.parse accepts (RFC 8259 grammar, checked byte by byte:
// no control characters in strings, valid escapes, valid numbers, nothing after the value).
// UTF-8 itself is not checked here: `ws` has already validated every text frame, and
// JSON.parse of the decoded text would not reject it either. Whenever the answer is not
// certain in the cheap way — the text is invalid, the top level is not an object, the key is
// missing, repeated, or some top-level key is written with escapes (`"\u0069d"` is `"id"`) —
// it returns null and the caller takes the full-parse path, which decides and explains.

export interface ValueSpan {
  /** First byte of the value. */
  start: number;
  /** One past its last byte. */
  end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Escapes allowed after a backslash: " \ / b f n r t (u is handled apart). */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;

const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

function isWhitespace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function skipWhitespace(data: Uint8Array, i: number): number {
  while (isWhitespace(data[i])) i += 1;
  return i;
}

/** True for a byte that ends a run of plain string content: a control character, `"` or `\`. */
function isSpecial(c: number): boolean {
  return c < 0x20 || c === QUOTE || c === BACKSLASH;
}

/**
 * State of one scan that outlives a single string: whether the last string had an escape, and
 * where the next backslash at or after some earlier point is (`data.length` when there is none),
 * so a message with many long strings searches for backslashes once, not once per string.
 */
interface ScanState {
  sawEscape: boolean;
  nextBackslash: number;
}

/** Up to this many bytes of a string are checked byte by byte before the native searches (whose call costs more than a short loop). */
const SHORT_RUN = 32;

/**
 * Index of the first byte below 0x20 in [from, end), or `end`. Four bytes at a time: for a 32-bit
 * word x, `(x - 0x20202020) & ~x & 0x80808080` is non-zero iff some byte of x is below 0x20 (the
 * `~x` drops bytes with the high bit set, and a borrow can only start at such a byte). Four words
 * per turn, since the loop's own overhead is most of the cost. A flagged word is then looked at
 * byte by byte. Byte order does not matter to the test.
 */
function firstControl(data: Buffer, from: number, end: number): number {
  let i = from;
  const base = data.byteOffset;
  if (end - i >= 16) {
    while (((base + i) & 3) !== 0) {
      if ((data[i] as number) < 0x20) return i;
      i += 1;
    }
    const words = new Int32Array(data.buffer, base + i, (end - i) >> 2);
    const count = words.length - 3;
    let k = 0;
    for (; k < count; k += 4) {
      const a = words[k] as number;
      const b = words[k + 1] as number;
      const c = words[k + 2] as number;
      const d = words[k + 3] as number;
      if ((((a - 0x20202020) & ~a) | ((b - 0x20202020) & ~b) | ((c - 0x20202020) & ~c) | ((d - 0x20202020) & ~d)) & 0x80808080) break;
    }
    i += k << 2;
  }
  while (i < end && (data[i] as number) >= 0x20) i += 1;
  return i;
}

/**
 * Index of the first special byte at or after `from` (or `n`). The bulk of a large message is
 * one long string: its end and any backslash are found with `Buffer#indexOf` (memchr, many bytes
 * per cycle), so only the control-character check runs in JavaScript, on words.
 */
function skipPlain(data: Buffer, from: number, n: number, state: ScanState): number {
  let i = from;
  const shortEnd = Math.min(n, from + SHORT_RUN);
  while (i < shortEnd) {
    if (isSpecial(data[i] as number)) return i;
    i += 1;
  }
  if (i >= n) return n;
  let end = data.indexOf(QUOTE, i);
  if (end < 0) end = n;
  if (state.nextBackslash < i) {
    const backslash = data.indexOf(BACKSLASH, i);
    state.nextBackslash = backslash < 0 ? n : backslash;
  }
  if (state.nextBackslash < end) end = state.nextBackslash;
  return firstControl(data, i, end);
}

/**
 * Scans a string starting at its opening quote; returns the index after the closing quote,
 * or -1 if the string is invalid. Sets `state.sawEscape` when the string contains a backslash.
 */
function scanString(data: Buffer, at: number, state: ScanState): number {
  let i = at + 1;
  const n = data.length;
  for (;;) {
    i = skipPlain(data, i, n, state);
    if (i >= n) return -1;
    const c = data[i] as number;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      state.sawEscape = true;
      const e = data[i + 1];
      if (e === 0x75) {
        // \uXXXX
        if (!(HEX[data[i + 2] ?? 0] && HEX[data[i + 3] ?? 0] && HEX[data[i + 4] ?? 0] && HEX[data[i + 5] ?? 0])) return -1;
        i += 6;
      } else if (e !== undefined && SIMPLE_ESCAPE[e]) {
        i += 2;
      } else {
        return -1;
      }
      continue;
    }
    if (c < 0x20) return -1;
    i += 1;
  }
}

/** Scans a number starting at `at`; returns the index after it, or -1. */
function scanNumber(data: Uint8Array, at: number): number {
  let i = at;
  if (data[i] === 0x2d) i += 1; // -
  if (data[i] === 0x30) {
    i += 1;
  } else if (isDigit(data[i])) {
    while (isDigit(data[i])) i += 1;
  } else {
    return -1;
  }
  if (data[i] === 0x2e) {
    // .
    i += 1;
    if (!isDigit(data[i])) return -1;
    while (isDigit(data[i])) i += 1;
  }
  if (data[i] === 0x65 || data[i] === 0x45) {
    // e E
    i += 1;
    if (data[i] === 0x2b || data[i] === 0x2d) i += 1;
    if (!isDigit(data[i])) return -1;
    while (isDigit(data[i])) i += 1;
  }
  return i;
}

function matchesLiteral(data: Uint8Array, at: number, literal: readonly number[]): boolean {
  for (let k = 0; k < literal.length; k += 1) if (data[at + k] !== literal[k]) return false;
  return true;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

function keyEquals(data: Uint8Array, start: number, end: number, quotedKey: Uint8Array): boolean {
  if (end - start !== quotedKey.length) return false;
  for (let k = 0; k < quotedKey.length; k += 1) if (data[start + k] !== quotedKey[k]) return false;
  return true;
}

/**
 * Span of the value of the top-level key `quotedKey` (given with its quotes, e.g. `"id"`) in a
 * JSON text that is a valid object in which that key occurs exactly once and no top-level key
 * has escapes; otherwise null (invalid, not an object, key absent or repeated, or not certain).
 */
export function scanTopLevelValue(data: Buffer, quotedKey: Uint8Array): ValueSpan | null {
  // Open containers, innermost last: true for an object, false for an array.
  const stack: boolean[] = [];
  const state: ScanState = { sawEscape: false, nextBackslash: -1 };
  let found: ValueSpan | null = null;
  let duplicate = false;
  /** Set while the value being scanned belongs to the wanted top-level key. */
  let capturing = false;
  let valueStart = 0;
  let i = skipWhitespace(data, 0);
  if (data[i] !== 0x7b) return null; // the top level must be an object

  // Each turn scans one value at `i`, then the punctuation after it.
  let expectKey = false;
  for (;;) {
    if (expectKey) {
      // At a key inside an object (whitespace already skipped).
      if (data[i] !== QUOTE) return null;
      state.sawEscape = false;
      const keyEnd = scanString(data, i, state);
      if (keyEnd < 0) return null;
      if (stack.length === 1) {
        if (state.sawEscape) return null; // a key written with escapes might decode to the wanted one
        if (keyEquals(data, i, keyEnd, quotedKey)) {
          if (found !== null) duplicate = true;
          capturing = true;
        }
      }
      i = skipWhitespace(data, keyEnd);
      if (data[i] !== 0x3a) return null; // :
      i = skipWhitespace(data, i + 1);
      // (expectKey is set again below, before the next turn: after this key's value.)
    }

    // A value at `i`.
    const c = data[i];
    if (capturing) valueStart = i;
    if (c === 0x7b || c === 0x5b) {
      const isObject = c === 0x7b;
      stack.push(isObject);
      i = skipWhitespace(data, i + 1);
      const close = isObject ? 0x7d : 0x5d;
      if (data[i] !== close) {
        expectKey = isObject;
        if (capturing && stack.length > 1) capturing = false; // the id is a container: not routable
        continue;
      }
      stack.pop();
      i += 1;
    } else if (c === QUOTE) {
      state.sawEscape = false;
      i = scanString(data, i, state);
    } else if (c === 0x2d || isDigit(c)) {
      i = scanNumber(data, i);
    } else if (c === 0x74) {
      i = matchesLiteral(data, i, TRUE) ? i + 4 : -1;
    } else if (c === 0x66) {
      i = matchesLiteral(data, i, FALSE) ? i + 5 : -1;
    } else if (c === 0x6e) {
      i = matchesLiteral(data, i, NULL) ? i + 4 : -1;
    } else {
      return null;
    }
    if (i < 0) return null;
    if (capturing && stack.length === 1) {
      found = { start: valueStart, end: i };
      capturing = false;
    }

    // After a value: close containers, or a separator.
    for (;;) {
      i = skipWhitespace(data, i);
      if (stack.length === 0) {
        // The top-level object has closed: nothing but whitespace may follow.
        if (i !== data.length) return null;
        return duplicate ? null : found;
      }
      const inObject = stack[stack.length - 1] as boolean;
      const b = data[i];
      if (b === 0x2c) {
        // ,
        i = skipWhitespace(data, i + 1);
        expectKey = inObject;
        break;
      }
      if (b === (inObject ? 0x7d : 0x5d)) {
        stack.pop();
        i += 1;
        continue;
      }
      return null;
    }
  }
}
