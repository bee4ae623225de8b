// Real faults staged for the doctor and the vitest plugin: a server that accepts and never
// answers (in a process of its own, so it has a pid to name), a lock file in the origin's
// format left by a process that is really dead.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { waitForOutput } from '../helpers/processes';

export async function startHangingServer(): Promise<{ child: ChildProcess; port: number; url: string }> {
  const code = `const s=require('net').createServer((c)=>c.on('error',()=>{})).listen(0,'127.0.0.1',()=>console.log('port '+s.address().port));setInterval(()=>{},1e9)`;
  const child = spawn(process.execPath, ['-e', code, 'hanging-broker'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await waitForOutput(child, 'port ');
  await new Promise((r) => setTimeout(r, 20));
  const port = Number(/port (\d+)/.exec(out)![1]);
  return { child, port, url: `http://127.0.0.1:${port}/jobs/acquire` };
}

/** A pid that existed a moment ago and is gone now. */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

/**
 * A lock left by a fleet member on another host (shared storage) that died holding it: its
 * pid means nothing here, so no waiter can prove it dead, and only the lock's age frees it.
 * (A dead holder on this host is no longer a flake: the lock core takes its lock over at once,
 * in the origin's format too.)
 */
export const OTHER_HOST = 'ci-runner-7';
export function plantOtherHostLock(lockPath: string, pid: number): void {
  mkdirSync(dirname(lockPath), { recursive: true });
  writeFileSync(lockPath, `${pid}\n${Date.now()}\nfleet-token-1\nhost=${OTHER_HOST}\n`);
}
