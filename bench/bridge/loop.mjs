// One measured child of bench/bridge: N sequential undici requests to the bench's HTTP server,
// then prints the wall time in ms. The same file runs with and without the register module
// preloaded, so the only difference between the two is the bridge.
import { performance } from 'node:perf_hooks';
import { request } from 'undici';

const [url, countArg] = process.argv.slice(2);
const count = Number(countArg);
// Warm-up: connection, JIT, the first diagnostics-channel publications.
for (let i = 0; i < 200; i++) await (await request(url)).body.text();
const started = performance.now();
for (let i = 0; i < count; i++) await (await request(url)).body.text();
console.log(JSON.stringify({ ms: performance.now() - started }));
