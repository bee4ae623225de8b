import { describe, expect, it } from 'vitest';
import { findConflictingPort, isPortInUseOnAddress, probeAddress } from '../../src/core/allocator/index';

// Port 0 binds an ephemeral port, so a bind "succeeds" and the canary used to call it free.
describe('the canary refuses ports it cannot probe', () => {
  for (const port of [0, -1, 65536, 1.5, Number.NaN]) {
    it(`isPortInUseOnAddress(${port}) rejects with a clear error`, async () => {
      await expect(isPortInUseOnAddress(port, '127.0.0.1')).rejects.toThrow(/port must be an integer from 1 to 65535/);
    });
  }

  it('findConflictingPort rejects a list holding port 0 instead of reporting it free', async () => {
    await expect(findConflictingPort('127.0.0.1', [0])).rejects.toThrow(/ports must be integers from 1 to 65535 \(got \[0\]\)/);
  });

  it('probeAddress rejects port 0 too', async () => {
    await expect(probeAddress('127.0.0.1', [0], false)).rejects.toThrow(/port must be an integer/);
  });
});
