// The memory check of bench/nodeHttp: one process (started with --expose-gc and the register
// module) makes N completed calls through node:http and N through undici to a node:http server
// of its own (so the server side is observed too), and prints its heap after a full GC before
// and after them, with the bridge's published lists. Nothing may be retained per call.
import http from 'node:http';
import { request } from 'undici';

const count = Number(process.argv[2] ?? 100_000);
const server = http.createServer((_req, res) => res.end('ok'));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const viaHttp = () =>
  new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
  });
const viaUndici = async () => (await request(url)).body.text();
const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};
for (let i = 0; i < 1000; i++) (await viaHttp(), await viaUndici());
const before = heap();
for (let i = 0; i < count; i++) await viaHttp();
for (let i = 0; i < count; i++) await viaUndici();
const after = heap();
agent.destroy();
server.close();
console.log(JSON.stringify({ calls: 2 * count, before, after }));
// Stays until the bench has read the bridge's snapshot of this process, then is killed.
setInterval(() => undefined, 1 << 30);
