// Checks the built library the way a harness uses it: each `flake-doctor/<core>` subpath
// through `require` and through `import` (package self-reference), with the names other code
// relies on (DESIGN.md "Contracts") present in both.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './paths.mjs';

const contract = {
  allocator: ['LoopbackPool', 'isPortInUseOnAddress', 'findConflictingPort', 'scanLoopbackListeners', 'waitForPortsFree'],
  lock: ['acquireRestartLock', 'restartLockPath', 'RESTART_LOCK_STALE_MS', 'RESTART_LOCK_MAX_WAIT_MS', 'RESTART_LOCK_POLL_INTERVAL_MS', 'inspectRestartLock', 'breakRestartLock'],
  relay: ['startRelay'],
  listener: ['BrokerListener', 'startFakeBroker'],
};
const require = createRequire(join(ROOT, 'package.json'));
const problems = [];
for (const [core, names] of Object.entries(contract)) {
  const viaRequire = require(`flake-doctor/${core}`);
  const viaImport = await import(`flake-doctor/${core}`);
  for (const name of names) {
    if (viaRequire[name] === undefined) problems.push(`require('flake-doctor/${core}').${name} is missing`);
    if (viaImport[name] === undefined) problems.push(`import('flake-doctor/${core}').${name} is missing`);
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`library entry points ok: ${Object.keys(contract).map((c) => `flake-doctor/${c}`).join(', ')} (require + import)`);
