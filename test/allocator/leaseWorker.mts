/**
 * Child process for the concurrency test: takes `rounds` leases from the shared pool,
 * holds each briefly, and prints one JSON line per lease with its interval in absolute
 * sub-millisecond time (comparable across processes).
 */
import { LoopbackPool, PoolExhaustedError, type LoopbackLease } from '../../src/core/allocator/index';

const [poolFile, start, count, rounds, opsPort, httpPort] = process.argv.slice(2);
const pool = new LoopbackPool({ poolFile, start: Number(start), count: Number(count), probePorts: [Number(opsPort), Number(httpPort)] });
const clock = () => performance.timeOrigin + performance.now();
// A worker never outlives a broken run: if leases stop coming, it fails instead of spinning.
const giveUpAt = Date.now() + 90_000;

for (let i = 0; i < Number(rounds); i++) {
  let lease: LoopbackLease;
  for (;;) {
    try {
      lease = await pool.acquire();
      break;
    } catch (err) {
      // Fewer addresses than processes: an exhausted pool is expected; wait and retry.
      if (!(err instanceof PoolExhaustedError) || Date.now() > giveUpAt) throw err;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  const from = clock();
  await new Promise((r) => setTimeout(r, 1 + Math.random() * 3));
  const to = clock();
  await lease.release();
  process.stdout.write(`${JSON.stringify({ pid: process.pid, address: lease.address, from, to })}\n`);
}
