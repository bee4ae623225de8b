// Listener scenario: a fake broker (flake-doctor/listener's startFakeBroker, as a harness would
// use it) that accepts job acquisition and never answers — the origin's failure. A job is
// queued, so the extension's listener (autostarted against it) polls, gets the job message and
// tries to acquire it: the call hangs, is flagged stalled after a few seconds and aborted at its
// deadline, and the listener goes back to polling and tries again. Break aborts it at once.
// The broker is this file run as a separate process in its own process group.
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../paths.mjs';
import { startGroup } from './processGroup.mjs';

const HOST = '127.0.0.1';
const FIRST_PORT = 48900;

function portIsFree(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: HOST, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

export async function startListenerScenario(_demoDir) {
  // A fixed port chosen here, so the settings can be written before the broker has printed anything.
  let port = FIRST_PORT;
  while (!(await portIsFree(port))) port++;
  const url = `http://${HOST}:${port}`;
  await startGroup(process.execPath, [fileURLToPath(import.meta.url), 'broker', String(port)], { ready: 'ready' });
  return {
    settings: {
      'flakeDoctor.calls.brokerUrl': url,
      'flakeDoctor.calls.autostart': true,
      // Stalled after 3 s, aborted by its deadline after 20 s: both visible within a minute.
      'flakeDoctor.calls.controlPlaneTimeoutMs': 20_000,
      'flakeDoctor.calls.stallThresholdMs': 3000,
      'flakeDoctor.calls.longPollTimeoutMs': 30_000,
    },
    lines: [
      `Broker Calls: a fake broker at ${url} that never answers job acquisition, one job queued;`,
      '  acquireJobs is flagged stalled after 3 s and aborted at its 20 s deadline, then retried.',
      '  Break aborts it at once; Probe times the broker (it answers everything but acquisition).',
    ],
  };
}

// ---- broker process ------------------------------------------------------------------

async function runBroker(port) {
  // The demo builds before it starts the scenarios; the broker uses the library as a harness would.
  const { startFakeBroker } = createRequire(import.meta.url)(join(ROOT, 'dist', 'lib', 'listener.cjs'));
  const broker = await startFakeBroker({ host: HOST, port, faults: { acquireJobs: { kind: 'stall' } }, longPollHoldMs: 10_000 });
  const jobId = broker.enqueueJob();
  broker.onRequest((r) => console.log(`${new Date().toISOString()} ${r.method} ${r.path} (${r.name})${r.fault ? ` — fault: ${r.fault}` : ''}`));
  console.log(`broker listening at ${broker.url} (job ${jobId} queued; acquisition stalls)`);
  console.log('ready');
  const stop = () => void broker.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'broker') {
  runBroker(Number(process.argv[3])).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
