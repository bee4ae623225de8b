// A stand-in for a user's integration run, attached through the preload in NODE_OPTIONS: it
// needs no Flake Doctor code of its own beyond what a harness would use (the relay library).
// Its faults persist until the user fixes them in the editor, and come back as a real
// harness's would (it retries the fetch after an abort; its peers reconnect after a Break).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from '../paths.mjs';

const url = process.argv[2];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const { startRelay, startDemoProvider, startDemoClient } = createRequire(import.meta.url)(join(ROOT, 'dist', 'lib', 'relay.cjs'));

async function keepFetching() {
  for (let attempt = 1; ; attempt++) {
    console.log(`fetch #${attempt}: GET ${url}`);
    try {
      const res = await fetch(url);
      console.log(`fetch #${attempt}: answered ${res.status}`);
    } catch (err) {
      console.log(`fetch #${attempt} aborted: ${err.cause?.message ?? err.message}; retrying in 10 s`);
    }
    await sleep(10_000);
  }
}

async function keepPeer(connect, name, relay) {
  for (;;) {
    try {
      const peer = await connect(relay.url);
      await new Promise((r) => peer.ws.once('close', r));
      console.log(`${name} closed; reconnecting in 10 s`);
    } catch {
      // relay restarting
    }
    await sleep(10_000);
  }
}

const relay = await startRelay({ heartbeatIntervalMs: 5000, readTimeoutMs: 3_600_000 });
void keepPeer((u) => startDemoProvider(u, { answer: false, stopReading: true }), 'stuck provider', relay);
void keepPeer((u) => startDemoClient(u, { intervalMs: 2000 }), 'client', relay);
void keepFetching();
console.log(`integration run started (relay ${relay.url})`);
process.on('SIGTERM', () => process.exit(0));
