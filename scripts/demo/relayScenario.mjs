// Relay scenario: the extension's own embedded relay (autostarted on a fixed demo port) gets
// a healthy provider, a provider that never answers heartbeats (its PONGs go missing, so the
// view flags it) and a client sending a request a second. Each peer is this file run as a
// separate process in its own process group; peers keep retrying until the relay is up
// (code-server starts after the scenarios) and reconnect after Break, Restart, Stop/Start or
// the relay's read deadline. The stuck provider keeps reading its socket (it only withholds
// PONGs), so it sees every Close and comes back stuck: the fault lasts until the demo stops.
// (A provider that stopped reading altogether never noticed being closed, and the fault
// healed itself for good after the read deadline.)
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../paths.mjs';
import { startGroup } from './processGroup.mjs';

const HOST = '127.0.0.1';
const FIRST_PORT = 48800;

function portIsFree(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: HOST, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

export async function startRelayScenario(_demoDir) {
  let port = FIRST_PORT;
  while (!(await portIsFree(port))) port++;
  const url = `ws://${HOST}:${port}`;
  const self = fileURLToPath(import.meta.url);
  for (const mode of ['healthy-provider', 'stuck-provider', 'client']) {
    await startGroup(process.execPath, [self, mode, url], { ready: 'relay peer started' });
  }
  return {
    settings: {
      'flakeDoctor.sessions.autostart': true,
      'flakeDoctor.sessions.port': port,
      // Short enough that the stuck provider is flagged within seconds of connecting, long
      // enough that the read deadline does not cut it off before anyone has looked (it then
      // reconnects, stuck again).
      'flakeDoctor.sessions.heartbeatIntervalMs': 5000,
      'flakeDoctor.sessions.readTimeoutMs': 300_000,
    },
    lines: [
      `WebSocket Sessions: the extension's relay on ${url} with a healthy provider, a client`,
      '  (one request a second) and a provider that never answers heartbeats: missed PONGs within ~10 s.',
      '  Peers reconnect after Break, Restart or the read deadline; the stuck one is stuck again.',
    ],
  };
}

// ---- peer process --------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function runPeer(mode, url) {
  // The demo builds before it starts the scenarios; peers use the library as a harness would.
  const { startDemoProvider, startDemoClient } = createRequire(import.meta.url)(join(ROOT, 'dist', 'lib', 'relay.cjs'));
  const connect = {
    'healthy-provider': () => startDemoProvider(url, { answer: true }),
    'stuck-provider': () => startDemoProvider(url, { answer: false, ignorePings: true }),
    client: () => startDemoClient(url, { intervalMs: 1000 }),
  }[mode];
  if (!connect) throw new Error(`unknown peer mode ${mode}`);
  console.log('relay peer started');
  // After being closed, the stuck provider waits a little longer, so a Break visibly removes it.
  const reconnectDelayMs = mode === 'stuck-provider' ? 10_000 : 1000;
  for (;;) {
    let peer;
    try {
      peer = await connect();
    } catch {
      await sleep(500); // relay not up yet (or restarting)
      continue;
    }
    console.log(`${mode} connected to ${url}`);
    const code = await new Promise((r) => peer.ws.once('close', (c) => r(c)));
    console.log(`${mode} closed (${code}); reconnecting`);
    await sleep(reconnectDelayMs);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.on('SIGTERM', () => process.exit(0));
  runPeer(process.argv[2], process.argv[3]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
