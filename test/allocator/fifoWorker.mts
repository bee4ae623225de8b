/**
 * Child process for the "not a regular file" test: runs every pool read against a FIFO
 * and prints what each did. Reading a FIFO synchronously blocks a process until a writer
 * comes, so this runs in its own process, which the test kills if it never answers.
 */
import { LoopbackPool, readPoolSource } from '../../src/core/allocator/index';

const [poolFile, lockFifoPoolFile] = process.argv.slice(2);
const outcome = async (fn: () => Promise<unknown>) => {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
};
const pool = new LoopbackPool({ poolFile, start: 200, count: 2, probePorts: [9925], warn: () => undefined });
// A pool whose file is fine but whose lock path is a FIFO.
const lockPool = new LoopbackPool({ poolFile: lockFifoPoolFile, start: 200, count: 2, probePorts: [9925], warn: () => undefined });
const result = {
  acquire: await outcome(() => pool.acquire()),
  read: await outcome(() => pool.read()),
  view: (await readPoolSource(poolFile!, 2)).error,
  lockAcquire: await outcome(() => lockPool.acquire()),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
