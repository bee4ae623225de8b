// One measured child of bench/bridge: N sequential undici requests to the bench's HTTP server.
// Prints the wall time in ms, the median time of one request in µs and this process's CPU
// per request in µs. The same file runs bare, with the floor preloaded and with the register
// module preloaded, so the only difference between the runs is what was preloaded.
import { performance } from 'node:perf_hooks';
import { request } from 'undici';

const [url, countArg] = process.argv.slice(2);
const count = Number(countArg);
// Warm-up: connection, JIT (TurboFan is still compiling the loop past 1,000 requests; see
// bench/instructions), the first diagnostics-channel publications.
for (let i = 0; i < 2000; i++) await (await request(url)).body.text();
const each = new Float64Array(count);
const cpu0 = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < count; i++) {
  const t = performance.now();
  await (await request(url)).body.text();
  each[i] = performance.now() - t;
}
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
each.sort();
console.log(JSON.stringify({ ms, medianUs: each[count >> 1] * 1000, cpuUs: (cpu.user + cpu.system) / count }));
