// The readers of undici's request objects: both header layouts undici has used (a flat array
// in undici 7 and recent 6.x, a raw "k: v\r\n" string before), any case of the header name.
import { describe, expect, it } from 'vitest';
import { displayUrl, headerValue } from '../../src/core/listener/undiciRequest';

const WANTED = 'x-flake-doctor-call';

describe('headerValue', () => {
  it('reads a flat [k, v, …] array in any case, and says null when absent', () => {
    expect(headerValue(['accept', '*/*', 'X-Flake-Doctor-Call', 't1-9:c3'], WANTED)).toBe('t1-9:c3');
    expect(headerValue(['x-flake-doctor-call', 't1-9:c4'], WANTED)).toBe('t1-9:c4');
    expect(headerValue(['accept', '*/*', 'x-flake-doctor-calls', 'no'], WANTED)).toBeNull();
    expect(headerValue([], WANTED)).toBeNull();
  });

  it('reads a raw header string in any case, and says null when absent or only in a value', () => {
    expect(headerValue('accept: */*\r\nX-FLAKE-DOCTOR-CALL:  t2-9:c1 \r\n', WANTED)).toBe('t2-9:c1');
    expect(headerValue('x-flake-doctor-call: t2-9:c2\r\n', WANTED)).toBe('t2-9:c2');
    expect(headerValue('accept: */*\r\nuser-agent: undici\r\n', WANTED)).toBeNull();
    expect(headerValue('x-note: x-flake-doctor-call\r\n', WANTED)).toBeNull();
    expect(headerValue('', WANTED)).toBeNull();
  });

  it('is null for anything else', () => {
    expect(headerValue(undefined, WANTED)).toBeNull();
    expect(headerValue({ [WANTED]: 'x' }, WANTED)).toBeNull();
  });
});

describe('displayUrl', () => {
  it('joins origin and path and strips the query', () => {
    expect(displayUrl('http://127.0.0.1:9', '/jobs?token=secret')).toBe('http://127.0.0.1:9/jobs');
    expect(displayUrl(undefined, undefined)).toBe('');
  });
});
