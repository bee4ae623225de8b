// One side of a benchmark in its own process, so the load generator, the relay and the
// provider do not share an event loop (as they would not in real use).
//   relay              start a relay on 127.0.0.1:0, print {"url": ...}
//   echo               start a plain `ws` echo server (the direct peer a user would pick instead)
//   provider <url>     connect an answering demo provider to a relay, print {"ready": true}
// Each runs until its stdin closes.

import { WebSocketServer } from 'ws';
import { startDemoProvider, startRelay } from '../../src/core/relay/index';

async function main(): Promise<void> {
  const [role, url] = process.argv.slice(2);
  let stop: () => Promise<void>;
  if (role === 'relay') {
    const relay = await startRelay({ host: '127.0.0.1', port: 0, heartbeatIntervalMs: 0, queueByteLimit: 256 * 1024 * 1024, queueLimit: 100_000 });
    console.log(JSON.stringify({ url: relay.url }));
    stop = () => relay.close();
  } else if (role === 'echo') {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise((resolve) => wss.once('listening', resolve));
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    const address = wss.address();
    console.log(JSON.stringify({ url: `ws://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}` }));
    stop = () => new Promise((resolve) => wss.close(() => resolve()));
  } else if (role === 'provider' && url) {
    const provider = await startDemoProvider(url, { answer: true });
    console.log(JSON.stringify({ ready: true }));
    stop = () => provider.close();
  } else {
    throw new Error(`unknown role ${role}`);
  }
  process.stdin.resume();
  process.stdin.once('end', () => {
    void stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
