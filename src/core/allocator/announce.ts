// Announces a lease this process holds to the live registry, so the bridge can publish it
// (the Loopback Addresses view then names the leasing process and its script). The
// announcement ends when the lease is released, or parked by a teardown.
import { resolve } from 'node:path';
import { liveRegistry } from '../live/registry';
import type { LoopbackLease } from './pool';

export function announceLease(lease: LoopbackLease, poolFile: string): LoopbackLease {
  const handle = liveRegistry().add('lease', { address: lease.address, poolFile: resolve(poolFile), index: lease.index, leasedAt: Date.now() });
  return {
    ...lease,
    release: async () => {
      try {
        await lease.release();
      } finally {
        handle.remove();
      }
    },
    teardown: async (options) => {
      const result = await lease.teardown(options);
      handle.remove();
      return result;
    },
  };
}
