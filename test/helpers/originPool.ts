import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface OriginWrite {
  /** The origin process: the live holder of the leases it records as "self". */
  pid: number;
  /** What the file holds once the write is finished. */
  content: string;
  /** Lets the origin finish its in-place write; resolves once the whole file is written. */
  finish(): Promise<void>;
  child: ChildProcess;
}

/** The origin's JSON array, `'self'` standing for the origin process's own pid. */
export type OriginSlot = number | 'self' | null;

/**
 * Starts an origin-like helper that truncates `file`, writes half of its new content and
 * waits: when this resolves, the file on disk is half-written.
 */
export async function startOriginWrite(file: string, slots: OriginSlot[]): Promise<OriginWrite> {
  const template = JSON.stringify(slots.map((s) => (s === 'self' ? '$PID' : s)));
  const child = spawn(process.execPath, [join(__dirname, 'originPoolWriter.mjs'), file, template], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const lines: ((text: string) => void)[] = [];
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    out += chunk;
    for (const check of [...lines]) check(out);
  });
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = (text: string) => {
        const m = text.match(pattern);
        if (m) {
          lines.splice(lines.indexOf(check), 1);
          resolve(m);
        }
      };
      lines.push(check);
      child.once('exit', (code) => reject(new Error(`origin writer exited (${code}) before ${pattern}`)));
      check(out);
    });
  const pid = Number((await waitFor(/half (\d+)\n/))[1]);
  return {
    pid,
    content: template.replaceAll('"$PID"', String(pid)),
    child,
    finish: async () => {
      const done = waitFor(/done\n/);
      child.stdin!.write('go\n');
      await done;
    },
  };
}

export function stopOrigin(origin: OriginWrite | undefined): Promise<void> {
  const child = origin?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', () => r());
    child.kill('SIGKILL');
  });
}
