// Lock scenario, in the demo workspace (found by the view's default patterns):
//  - fleet/restart.lock held by a process that died (SIGKILL) without releasing, next to the
//    registry mutex it left behind, aged past the mutex threshold: "dead holder" with an
//    orphaned .mutex — Break takes it over and reaps the mutex;
//  - services/api.restart.lock taken and released in a loop by a live "fleet member": held
//    for 20 s, free for 10 s, so the view is seen to follow it; a Break of it is refused and
//    only a second confirmation forces it (the member's own release is then a no-op).
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../paths.mjs';
import { startGroup } from './processGroup.mjs';

// The demo builds before it starts the scenarios; use the library as a harness would.
const lockLibrary = () => createRequire(import.meta.url)(join(ROOT, 'dist', 'lib', 'lock.cjs'));

export async function startLockScenario(demoDir) {
  const workspace = join(demoDir, 'workspace');
  const dead = join(workspace, 'fleet', 'restart.lock');
  const live = join(workspace, 'services', 'api.restart.lock');
  for (const path of [dead, live]) rmSync(dirname(path), { recursive: true, force: true });
  const { plantDeadHolderLock, mutexPath } = lockLibrary();
  const planted = await plantDeadHolderLock(dead, { ageMs: 3000 });
  writeFileSync(mutexPath(dead), `${planted.pid}\ncrashed-mid-transition\n`);
  const old = new Date(Date.now() - 60_000);
  utimesSync(mutexPath(dead), old, old);
  mkdirSync(dirname(live), { recursive: true });
  const member = await startGroup(process.execPath, [fileURLToPath(import.meta.url), 'fleet-member', live], { ready: 'fleet member started' });
  return {
    settings: {},
    lines: [
      `Restart Locks: fleet/restart.lock held by pid ${planted.pid}, which is dead, with the orphaned .mutex it left;`,
      `  services/api.restart.lock taken by a live fleet member (pid ${member.pid}) for 20 s, free for 10 s, in a loop.`,
    ],
  };
}

// ---- fleet member process ----------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function runFleetMember(lockPath) {
  const { acquireLockFile } = lockLibrary();
  console.log('fleet member started');
  for (;;) {
    const lock = await acquireLockFile(lockPath);
    console.log(`took ${lockPath} (${lock.acquisition.how})`);
    await sleep(20_000); // "restarting the service"
    const released = await lock.release();
    console.log(released ? 'released' : 'release was a no-op: the lock was broken meanwhile');
    await sleep(10_000);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'fleet-member') {
  process.on('SIGTERM', () => process.exit(0));
  runFleetMember(process.argv[3]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
