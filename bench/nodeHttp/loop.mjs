// One measured child of bench/nodeHttp: N sequential node:http requests (keep-alive agent, as
// axios and got use) to the bench's HTTP server. Prints the wall time in ms, the median time of
// one request in µs and this process's CPU per request in µs — the same shape as
// bench/bridge/loop.mjs, so bench/bridge/overhead.ts measures both.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const [url, countArg] = process.argv.slice(2);
const count = Number(countArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const once = () =>
  new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.on('data', () => undefined);
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.on('error', reject);
  });
// Warm-up: connection, JIT (TurboFan is still compiling the loop past 1,000 requests; see
// bench/instructions), the first diagnostics-channel publications.
for (let i = 0; i < 2000; i++) await once();
const each = new Float64Array(count);
const cpu0 = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < count; i++) {
  const t = performance.now();
  await once();
  each[i] = performance.now() - t;
}
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
each.sort();
agent.destroy();
console.log(JSON.stringify({ ms, medianUs: each[count >> 1] * 1000, cpuUs: (cpu.user + cpu.system) / count }));
