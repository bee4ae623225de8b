// Stands in for the origin's pool helper at the one moment that matters: it rewrites its
// pool file IN PLACE (open with truncation, then write), and stops half-way until told to
// go on, so a test can force a reader to see the half-written file.
// argv: <file> <JSON template>; "$PID" in the template becomes this process's pid (the
// origin records the leasing test process's pid). After writing, it stays alive (a live
// lease holder) until its stdin closes or it is killed.
import { closeSync, openSync, writeSync } from 'node:fs';

const [file, template] = process.argv.slice(2);
const content = template.replaceAll('"$PID"', String(process.pid));
const fd = openSync(file, 'w');
const half = Math.floor(content.length / 2);
writeSync(fd, content.slice(0, half));
process.stdout.write(`half ${process.pid}\n`);
let input = '';
let written = false;
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
  if (input.includes('go\n') && !written) {
    written = true;
    writeSync(fd, content.slice(half));
    closeSync(fd);
    process.stdout.write('done\n');
  }
});
process.stdin.on('end', () => process.exit(0));
