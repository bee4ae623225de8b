// Which processes publish when the register module is preloaded into every Node process of a
// terminal (through NODE_OPTIONS). Modelled on VS Code's JavaScript debugger auto-attach:
// `always` publishes from every process; `smart` from test runners and from scripts outside
// node_modules (so `npm`, `tsc`, `eslint` and friends stay untouched); `off` from none.

export type AttachMode = 'off' | 'smart' | 'always';

/** Test runners and their worker entry points, which live inside node_modules. */
const RUNNER_PATTERN =
  /[\\/]node_modules[\\/](vitest|tinypool|jest|jest-worker|jest-circus|mocha|@playwright[\\/]test|playwright|ava|tap|@jest[\\/][^\\/]+|uvu|node-tap)[\\/]/;

/** Tools that run as scripts from node_modules and never hold test infrastructure. */
const TOOL_PATTERN = /[\\/](npm|npx|pnpm|yarn|corepack)(-cli)?(\.c?js)?$|[\\/]node_modules[\\/](npm|pnpm|yarn|corepack)[\\/]/;

export function parseAttachMode(value: string | undefined): AttachMode | null {
  if (value === undefined || value === '') return null;
  const v = value.trim().toLowerCase();
  return v === 'off' || v === 'smart' || v === 'always' ? v : null;
}

/**
 * Whether a process with this argv and execArgv should publish under `mode`.
 * `node --test` counts as a test runner; so does a script of a known runner inside
 * node_modules; a script elsewhere counts as the user's own. No script at all (the REPL,
 * `node -e`) publishes only under `always`.
 */
export function shouldAttach(mode: AttachMode, argv: readonly string[], execArgv: readonly string[]): boolean {
  if (mode === 'off') return false;
  if (mode === 'always') return true;
  if (execArgv.includes('--test') || argv.includes('--test')) return true;
  const script = argv[1];
  if (!script) return false;
  if (RUNNER_PATTERN.test(script)) return true;
  if (TOOL_PATTERN.test(script)) return false;
  return !/[\\/]node_modules[\\/]/.test(script);
}
