// `npm start`: builds and packages the extension, starts the demo scenarios, and opens a
// real VS Code (code-server) on 127.0.0.1 with the extension installed and a demo
// workspace. Ctrl-C stops everything it started (whole process groups).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CODE_SERVER_BIN, ROOT, VSIX } from './paths.mjs';
import { startBridgeScenario } from './demo/bridgeScenario.mjs';
import { startListenerScenario } from './demo/listenerScenario.mjs';
import { startLockScenario } from './demo/lockScenario.mjs';
import { startLoopbackScenario } from './demo/loopbackScenario.mjs';
import { startRelayScenario } from './demo/relayScenario.mjs';
import { startGroup, stopAllGroups } from './demo/processGroup.mjs';

const step = (m) => console.log(`[demo] ${m}`);

function portIsFree(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function main() {
  step('building and packaging the extension');
  const pkg = spawnSync('npm', ['run', 'package'], { cwd: ROOT, stdio: 'inherit' });
  if (pkg.status !== 0) throw new Error('npm run package failed');

  const demoDir = join(ROOT, '.cache', 'demo');
  const workspace = join(demoDir, 'workspace');
  const userData = join(demoDir, 'user-data');
  const extensions = join(demoDir, 'extensions');
  for (const d of [join(workspace, '.vscode'), join(userData, 'User'), extensions]) mkdirSync(d, { recursive: true });

  step('starting demo scenarios');
  const scenarios = [];
  for (const start of [startLoopbackScenario, startLockScenario, startRelayScenario, startListenerScenario, startBridgeScenario])
    scenarios.push(await start(demoDir));
  const settings = Object.assign({}, ...scenarios.map((s) => s.settings));
  const env = Object.assign({}, ...scenarios.map((s) => s.env ?? {}));
  writeFileSync(join(workspace, '.vscode', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  // The demo workspace is trusted: Break, Restart and the broker listener's autostart are
  // disabled in untrusted workspaces, and the demo exists to show them. Trust is turned off in
  // the demo's own user-data directory only (every folder opened there counts as trusted); the
  // user's VS Code is not touched.
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'telemetry.telemetryLevel': 'off',
      'git.openRepositoryInParentFolders': 'never',
      'security.workspace.trust.enabled': false,
    }),
  );
  writeFileSync(join(demoDir, 'config.yaml'), '');

  const common = ['--config', join(demoDir, 'config.yaml'), '--user-data-dir', userData, '--extensions-dir', extensions];
  step('installing the .vsix into code-server');
  const install = spawnSync(CODE_SERVER_BIN, [...common, '--install-extension', VSIX, '--force'], { stdio: 'inherit' });
  if (install.status !== 0) throw new Error('code-server --install-extension failed');

  let port = Number(process.env.FLAKE_DOCTOR_DEMO_PORT || 8080);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`FLAKE_DOCTOR_DEMO_PORT must be a port number, got ${process.env.FLAKE_DOCTOR_DEMO_PORT}`);
  while (!(await portIsFree(port))) port++;
  await startGroup(
    CODE_SERVER_BIN,
    [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', workspace],
    { ready: 'HTTP server listening', env },
  );

  console.log('\n  Flake Doctor demo is running.\n');
  for (const s of scenarios) for (const line of s.lines) console.log(`  ${line}`);
  console.log(
    `\n  Open http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}\n  and click the Flake Doctor icon in the activity bar. Ctrl-C stops everything.`,
  );
  console.log(
    "  The demo workspace is trusted (workspace trust is off in the demo's own user data), so Break,\n  Restart and the broker listener are enabled; in an untrusted workspace they are not.\n",
  );
}

let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  step('stopping everything the demo started');
  await stopAllGroups();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
main().catch(async (err) => {
  console.error(`[demo] ${err.message}`);
  await shutdown(1);
});
