// Which processes publish when the register module is preloaded into every Node process of a
// terminal (through NODE_OPTIONS). Modelled on VS Code's JavaScript debugger auto-attach:
// `always` publishes from every process; `smart` from test runners and from scripts outside
// node_modules (so `npm`, `tsc` and `eslint` stay untouched); `off` from none.
//
// A script is judged by its real file. A runner started the way a terminal starts it — `npm
// test`, `npx vitest`, `pnpm run`, `yarn jest`, or a bare `jest` on a PATH holding
// node_modules/.bin — runs with the `.bin` symlink as argv[1] (Node resolves the script's path,
// not its links), and `node_modules/.bin/jest` names no runner package; its real file,
// node_modules/jest/bin/jest.js, does. Judged by the link, mocha and jest in band published
// nothing, and neither did the worker threads of vitest and ava (a thread follows its process).

import { realpathSync } from 'node:fs';

export type AttachMode = 'off' | 'smart' | 'always';

/** Test runners and their worker entry points, which live inside node_modules. */
const RUNNER_PATTERN =
  /[\\/]node_modules[\\/](vitest|tinypool|jest|jest-worker|jest-circus|mocha|@playwright[\\/]test|playwright|ava|tap|@jest[\\/][^\\/]+|uvu|node-tap)[\\/]/;

/** Tools that run as scripts from node_modules and never hold test infrastructure. */
const TOOL_PATTERN = /[\\/](npm|npx|pnpm|yarn|corepack)(-cli)?(\.c?js)?$|[\\/]node_modules[\\/](npm|pnpm|yarn|corepack)[\\/]/;

const NODE_MODULES = /[\\/]node_modules[\\/]/;

export function parseAttachMode(value: string | undefined): AttachMode | null {
  if (value === undefined || value === '') return null;
  const v = value.trim().toLowerCase();
  return v === 'off' || v === 'smart' || v === 'always' ? v : null;
}

/** The file a script path names once its symbolic links are followed; the path itself when that cannot be known. */
export function realScriptPath(path: string): string {
  try {
    // The native call: one system call, where the JavaScript version lstat()s every component.
    return realpathSync.native(path);
  } catch {
    return path;
  }
}

/**
 * Whether a process with this argv and execArgv should publish under `mode`.
 * `node --test` counts as a test runner; so does a script of a known runner inside
 * node_modules; a script elsewhere counts as the user's own. No script at all (the REPL,
 * `node -e`) publishes only under `always`. `resolve` follows the script's links (see above);
 * the path as given still counts, for a platform where they cannot be followed.
 */
export function shouldAttach(
  mode: AttachMode,
  argv: readonly string[],
  execArgv: readonly string[],
  resolve: (path: string) => string = realScriptPath,
): boolean {
  if (mode === 'off') return false;
  if (mode === 'always') return true;
  if (execArgv.includes('--test') || argv.includes('--test')) return true;
  const script = argv[1];
  if (!script) return false;
  const real = resolve(script);
  if (RUNNER_PATTERN.test(real) || RUNNER_PATTERN.test(script)) return true;
  if (TOOL_PATTERN.test(real) || TOOL_PATTERN.test(script)) return false;
  return !NODE_MODULES.test(real);
}
