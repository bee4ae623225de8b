// Loopback scenario: 127.0.0.2 leased by a live instance, 127.0.0.3 leased by a process
// that died without releasing, 127.0.0.4 free in the pool but its HTTP port still held by a
// lingering SO_REUSEPORT worker (the origin's failure).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../paths.mjs';
import { exited, startGroup } from './processGroup.mjs';

export async function startLoopbackScenario(demoDir) {
  const poolFile = join(demoDir, 'loopback-pool.json');
  rmSync(poolFile, { force: true });
  const holder = join(ROOT, 'scripts', 'demo', 'loopbackHolder.cjs');
  await startGroup(process.execPath, [holder, poolFile, 'stay']);
  const dead = await startGroup(process.execPath, [holder, poolFile, 'exit-without-release']);
  await exited(dead);
  const lingering = await startGroup('python3', [join(ROOT, 'test', 'helpers', 'reuseport_listener.py'), '127.0.0.4', '9926']);
  return {
    settings: { 'flakeDoctor.loopback.poolFiles': [poolFile] },
    lines: [
      'Loopback Addresses: 127.0.0.2 leased (live), 127.0.0.3 dead holder,',
      `  127.0.0.4 conflict: SO_REUSEPORT worker pid ${lingering.pid} lingering on port 9926`,
    ],
  };
}
