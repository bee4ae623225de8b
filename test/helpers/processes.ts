import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');

/** Waits for `marker` on a child's stdout (the child prints it once it is ready). */
export function waitForOutput(child: ChildProcess, marker: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    let errors = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${marker}"; stdout: ${seen}; stderr: ${errors}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => (errors += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(marker)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before "${marker}"; stderr: ${errors}`));
    });
  });
}

/** A true SO_REUSEPORT listener in its own process (Node 20 cannot make one). */
export async function startReusePortListener(address: string, ports: number[]): Promise<ChildProcess> {
  const child = spawn('python3', [join(REPO_ROOT, 'test/helpers/reuseport_listener.py'), address, ...ports.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForOutput(child, 'ready');
  return child;
}

/** A plain Node listener in its own process, so it has a pid other than the test's. */
export async function startPlainListener(address: string, ports: number[]): Promise<ChildProcess> {
  const code = `const net=require('net');let n=0;for(const p of ${JSON.stringify(ports)}){net.createServer().listen(p,${JSON.stringify(address)},()=>{if(++n===${ports.length})console.log('ready')})}setInterval(()=>{},1e9)`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForOutput(child, 'ready');
  return child;
}

export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  await exited;
}
