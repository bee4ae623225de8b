// Live bridge scenario: a test-like process, started the way auto-attach starts a test run in
// a VS Code terminal (the register module preloaded through NODE_OPTIONS, the extension's
// bridge directory in the environment), with two infrastructure faults of its own:
//  - a fetch to a server that accepts the connection and never answers (this demo process
//    hosts that server), retried ten seconds after each abort, as a harness with retries would;
//  - its own relay, with a provider that stopped reading (missed PONGs) and a client.
// Both show under that process in Broker Calls and WebSocket Sessions.
import { chmodSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../paths.mjs';
import { startGroup } from './processGroup.mjs';

export async function startBridgeScenario(demoDir) {
  const bridgeDir = join(demoDir, 'bridge');
  mkdirSync(bridgeDir, { recursive: true, mode: 0o700 });
  chmodSync(bridgeDir, 0o700);

  // The broker that hangs: it accepts and never answers. It lives as long as the demo.
  const silent = createServer((socket) => socket.on('error', () => undefined));
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${silent.address().port}/_apis/jobs/next`;

  const env = {
    NODE_OPTIONS: `--require ${join(ROOT, 'dist', 'bridge-register.cjs')}`,
    FLAKE_DOCTOR_BRIDGE_DIR: bridgeDir,
    FLAKE_DOCTOR_BRIDGE_MODE: 'smart',
    FLAKE_DOCTOR_STALL_MS: '3000',
  };
  await startGroup(process.execPath, [join(ROOT, 'scripts', 'demo', 'flakyIntegrationRun.mjs'), url], { ready: 'integration run started', env });
  return {
    // code-server (and so the extension and its terminals) use the same bridge directory.
    env: { FLAKE_DOCTOR_BRIDGE_DIR: bridgeDir },
    settings: { 'flakeDoctor.bridge.autoAttach': 'smart', 'flakeDoctor.bridge.stallThresholdMs': 3000 },
    lines: [
      'Live bridge: an attached test-like process (flakyIntegrationRun.mjs) whose fetch to a',
      '  server that never answers stalls (Broker Calls), and whose own relay has a provider',
      '  that stopped reading (WebSocket Sessions). Break aborts the fetch in that process; it',
      '  retries ten seconds later. Auto-attach is on: `node <script>` in a new terminal shows up too.',
    ],
  };
}
