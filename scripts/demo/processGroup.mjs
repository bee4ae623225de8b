// Child processes of the demo, each in its own process group, so Ctrl-C stops whole groups.
import { spawn } from 'node:child_process';

const started = [];

export function startGroup(cmd, args, { ready = 'ready', env = {}, cwd } = {}) {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, cwd });
  started.push(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d.toString()));
  child.stderr.on('data', (d) => (out += d.toString()));
  if (!ready) return Promise.resolve(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} ${args.join(' ')} did not print "${ready}":\n${out}`)), 120_000);
    const check = () => {
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', (code) => {
      if (!out.includes(ready)) {
        clearTimeout(timer);
        reject(new Error(`${cmd} exited (${code}) before "${ready}":\n${out}`));
      }
    });
  });
}

/** Waits for a child started with `ready: null` to exit on its own. */
export function exited(child) {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', r));
}

export async function stopAllGroups() {
  const alive = started.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of alive) {
    try {
      process.kill(-c.pid, 'SIGTERM');
    } catch {}
  }
  await Promise.race([Promise.all(alive.map((c) => exited(c))), new Promise((r) => setTimeout(r, 5000))]);
  for (const c of alive) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {}
  }
}
