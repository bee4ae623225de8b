// Stands in for the origin's pool helper under load: rewrites its pool file IN PLACE every few
// milliseconds, each step asynchronous as fs.writeFile's are (open with truncation, write half,
// write the rest, close), alternating between contents so consecutive cycles differ.
// argv: <file>. Runs until killed.
import { promises as fsp } from 'node:fs';

const file = process.argv[2];
const contents = [
  JSON.stringify([process.pid, null, null, null]),
  JSON.stringify([null, process.pid, null, process.pid]),
  JSON.stringify([null, null, null, null]),
];
let cycles = 0;
for (;;) {
  const content = contents[cycles++ % contents.length];
  const half = Math.floor(content.length / 2);
  const handle = await fsp.open(file, 'w');
  await handle.write(content.slice(0, half));
  await handle.write(content.slice(half));
  await handle.close();
  if (cycles === 1) process.stdout.write('writing\n');
  await new Promise((r) => setTimeout(r, 1 + Math.random() * 3));
}
