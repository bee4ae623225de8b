// Demo process: leases an address from the demo pool with the built library, serves on its
// HTTP probe port, and either stays (a live holder) or exits without releasing (a dead one).
const http = require('node:http');
const { LoopbackPool } = require('../../dist/lib/allocator.cjs');

const [poolFile, mode] = process.argv.slice(2);
(async () => {
  const pool = new LoopbackPool({ poolFile });
  const lease = await pool.acquire();
  if (mode === 'exit-without-release') {
    console.log(`ready ${lease.address}`);
    process.exit(0);
  }
  http.createServer((_, res) => res.end('demo instance\n')).listen(pool.config.probePorts.at(-1), lease.address, () => console.log(`ready ${lease.address}`));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
