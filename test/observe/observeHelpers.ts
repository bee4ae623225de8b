// Shared by the listen/child/orphan tests: the Node binaries every observer must work on, and
// a user's script started with the register module and nothing else from Flake Doctor.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/processes';
import { supportedNodes } from '../helpers/nodeVersions';
import { workerScript } from '../helpers/workers';
import { captured, type Spawned } from '../bridge/helpers';

/** Node 20, 22 and 24 (a missing one fails loudly: test/helpers/nodeVersions.ts). */
export const NODES: Array<[string, string]> = supportedNodes().map((n) => [`Node ${n.major}`, n.path]);

export function fixture(name: string): string {
  return join(REPO_ROOT, 'test/observe/fixtures', name);
}

/** This run's environment without vitest's variables or any Flake Doctor setting, plus `extra`. */
export function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && !k.startsWith('FLAKE_DOCTOR_')) env[k] = v;
  return { ...env, ...extra };
}

/** `<node> --require <register> <script> ...args`, output captured (the same shape as the bridge tests' spawnScenario). */
export function spawnAttached(node: string, dir: string, script: string, args: string[]): Spawned {
  const child = spawn(node, ['--require', workerScript('src/core/bridge/register.ts'), script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cleanEnv({ FLAKE_DOCTOR_BRIDGE_DIR: dir }),
  });
  return captured(child);
}
