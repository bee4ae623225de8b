// A stand-in for a user's test process, bundled by the test (so it loads the cores from a
// bundle other than the register module's, as a real harness does). Steps come as arguments:
//   fetch <url>          a global fetch that the test's server never answers
//   fetch-after <file> <url>  the same, started once <file> exists (a barrier the test opens)
//   relay                a relay of its own with one provider connected
//   lock <lockPath>      waits for (then holds) a restart lock
//   lease <poolFile>     leases a loopback address
//   exit                 exits at once, code 0
// It prints `ready` once every step has started, and what happened to each fetch.
import { existsSync } from 'node:fs';
import { WebSocket } from 'ws';
import { LoopbackPool } from '../../../src/core/allocator';
import { acquireLockFile } from '../../../src/core/lock';
import { startRelay } from '../../../src/core/relay';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const started: Promise<unknown>[] = [];
  for (let i = 0; i < args.length; i++) {
    const step = args[i];
    if (step === 'fetch') {
      const url = args[++i];
      fetch(url).then(
        (r) => console.log(`fetch answered ${r.status}`),
        (err: Error & { cause?: Error }) => {
          console.log(`fetch aborted: ${err.message}${err.cause ? ` (${err.cause.message})` : ''}`);
          process.exitCode = 3;
          process.exit(3);
        },
      );
    } else if (step === 'fetch-after') {
      const [file, url] = [args[++i], args[++i]];
      const timer = setInterval(() => {
        if (!existsSync(file)) return;
        clearInterval(timer);
        void fetch(url).catch(() => undefined);
      }, 10);
    } else if (step === 'relay') {
      started.push(
        (async () => {
          const relay = await startRelay({ heartbeatIntervalMs: 0 });
          const provider = new WebSocket(relay.providerUrl);
          await new Promise((resolve, reject) => {
            provider.once('open', resolve);
            provider.once('error', reject);
          });
          console.log(`relay ${relay.url}`);
        })(),
      );
    } else if (step === 'lock') {
      const lockPath = args[++i];
      void acquireLockFile(lockPath, { pollIntervalMs: 20 }).then((lock) => console.log(`lock held ${lock.lockPath}`));
    } else if (step === 'lease') {
      const poolFile = args[++i];
      started.push(new LoopbackPool({ poolFile, start: 200, count: 4, probePorts: [19925] }).acquire().then((lease) => console.log(`lease ${lease.address}`)));
    } else if (step === 'exit') {
      process.exit(0);
    } else {
      throw new Error(`unknown step ${step}`);
    }
  }
  await Promise.all(started);
  console.log('ready');
  // Stay alive on purpose (a test harness between tests); the test kills it.
  setInterval(() => undefined, 1 << 30);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
