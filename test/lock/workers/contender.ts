// A real process contending for the lock: prints `ready`, runs the shared contender loop
// (see contendLoop.ts), and prints its summary as the last line, in JSON.
import { runContender, type Args } from './contendLoop';

// If the test that started us is gone (failed, timed out, killed), stop instead of polling on.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(3);
}, 200).unref();

runContender(JSON.parse(process.argv[2]!) as Args, () => process.stdout.write('ready\n'))
  .then((summary) => process.stdout.write(`${JSON.stringify(summary)}\n`))
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
