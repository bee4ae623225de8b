/** Runs as another user: reports what kill(pid, 0) said and what osProcessFacts concluded. */
import { osProcessFacts } from '../../src/core/process/index';

const pid = Number(process.argv[2]);
let code = 'none';
try {
  process.kill(pid, 0);
} catch (err) {
  code = (err as NodeJS.ErrnoException).code ?? 'unknown';
}
process.stdout.write(JSON.stringify({ code, alive: osProcessFacts.isAlive(pid) }));
