// The relay's own close codes must not mean something else to an origin-style peer: the
// origin coordinator uses 4000–4013 and 4429, so a provider written for it would misread a
// relay verdict (say write-timeout) as one of its own reasons.

import { expect, test } from 'vitest';
import { isValidCloseCode, RELAY_CLOSE_CODE_BLOCK, RelayCloseCode } from '../../src/core/relay/index';

const ORIGIN_CODES = new Set([...Array.from({ length: 14 }, (_, i) => 4000 + i), 4429]);

test("the relay's own 4xxx codes (Break's included) lie in its documented block, clear of the origin's 4000–4013 and 4429", () => {
  // closedByOperator is what the extension's Break sends (breakSession.ts uses it by name).
  const own = Object.values(RelayCloseCode).filter((code) => code >= 4000);
  expect(own.length).toBeGreaterThanOrEqual(4);
  for (const code of own) {
    expect(ORIGIN_CODES.has(code), `close code ${code} collides with the origin coordinator`).toBe(false);
    expect(code).toBeGreaterThanOrEqual(RELAY_CLOSE_CODE_BLOCK.first);
    expect(code).toBeLessThanOrEqual(RELAY_CLOSE_CODE_BLOCK.last);
    expect(isValidCloseCode(code)).toBe(true);
  }
  for (let code = RELAY_CLOSE_CODE_BLOCK.first; code <= RELAY_CLOSE_CODE_BLOCK.last; code++) expect(ORIGIN_CODES.has(code)).toBe(false);
  expect(RelayCloseCode.closedByOperator).toBeGreaterThanOrEqual(4000);
});
