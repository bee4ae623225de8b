// The faults both runner tests stage, as the vitest plugin's test does: a broker that accepts
// and never answers, a lingering SO_REUSEPORT listener on the port a test listens on, a
// restart lock left by a process that died on another host.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { deadPid, plantOtherHostLock, startHangingServer } from '../doctor/faults';
import { freePortOn, randomRangeStart } from '../helpers/ports';
import { startReusePortListener, stopChild } from '../helpers/processes';

export interface StagedFaults {
  address: string;
  httpPort: number;
  lingering: ChildProcess;
  hanging: Awaited<ReturnType<typeof startHangingServer>>;
  holderPid: number;
  lockPath: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function stageFaults(root: string): Promise<StagedFaults> {
  const address = `127.0.0.${randomRangeStart(1)}`;
  const httpPort = await freePortOn([address]);
  const lingering = await startReusePortListener(address, [httpPort]);
  const hanging = await startHangingServer();
  const holderPid = deadPid();
  const lockPath = join(root, 'home/fleet/restart.lock');
  plantOtherHostLock(lockPath, holderPid);
  return {
    address,
    httpPort,
    lingering,
    hanging,
    holderPid,
    lockPath,
    env: { FIXTURE_HTTP_PORT: String(httpPort), FIXTURE_ADDRESS: address, FIXTURE_HANG_URL: hanging.url, FIXTURE_HOME: join(root, 'home') },
    stop: async () => {
      await stopChild(lingering);
      await stopChild(hanging.child);
    },
  };
}
