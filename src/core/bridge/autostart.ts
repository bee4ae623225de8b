// FLAKE_DOCTOR_BRIDGE=1 turns publishing on in any process that loads a core: each core's
// entry point imports this module. The extension's own bundle defines
// FLAKE_DOCTOR_EXTENSION_HOST so that an editor started from such a shell never publishes
// its own host process.

import { bridgeDebug } from './debug';
import { startBridge } from './server';

declare const FLAKE_DOCTOR_EXTENSION_HOST: boolean | undefined;

export function autostartFromEnv(env: NodeJS.ProcessEnv = process.env): void {
  if (typeof FLAKE_DOCTOR_EXTENSION_HOST !== 'undefined' && FLAKE_DOCTOR_EXTENSION_HOST) return;
  const v = env.FLAKE_DOCTOR_BRIDGE;
  if (v === undefined || v === '' || v === '0' || v.toLowerCase() === 'false') return;
  if (v !== '1' && v.toLowerCase() !== 'true') {
    bridgeDebug(`FLAKE_DOCTOR_BRIDGE=${JSON.stringify(v)} is neither 1 nor 0; not publishing`);
    return;
  }
  try {
    startBridge({ via: 'env' });
  } catch (err) {
    bridgeDebug(`autostart failed: ${(err as Error).message}`);
  }
}

autostartFromEnv();
