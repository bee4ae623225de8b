// Readers against a pool file rewritten in place every few milliseconds (originWriter.mjs):
// how many reads report it unreadable (each one a false "pool file unreadable" problem in the
// view and a failing `flake-doctor doctor`), how many say "being rewritten", how many read it
// whole; and how soon a truly corrupt file is still reported. Counts, not speed, are the point.
import { spawn } from 'node:child_process';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The allocator's exports, as the built bundle has them. */
export type AllocatorBundle = typeof import('../../src/core/allocator/index');

export interface RewriteCounts {
  reads: number;
  unreadable: number;
  rewriting: number;
  whole: number;
  /** The first few false reports, as the view would show them. */
  examples: string[];
}

/** Starts the in-place writer on a fresh file; resolves once it has written its first cycle. */
export async function startWriter(): Promise<{ file: string; stop(): void }> {
  const file = join(mkdtempSync(join(tmpdir(), 'fd-bench-rewrite-')), 'harper-integration-test-loopback-pool.json');
  const child = spawn(process.execPath, [fileURLToPath(new URL('originWriter.mjs', import.meta.url)), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`origin writer exited (${code})`)));
  });
  return { file, stop: () => void child.kill('SIGKILL') };
}

/** `reads` reads through readPoolSource, what the view and `flake-doctor doctor` use. */
export async function viewReads(lib: AllocatorBundle, file: string, reads: number): Promise<RewriteCounts> {
  const counts: RewriteCounts = { reads, unreadable: 0, rewriting: 0, whole: 0, examples: [] };
  for (let i = 0; i < reads; i++) {
    const source = (await lib.readPoolSource(file, 2)) as { error: string | null; rewriting?: boolean; content: unknown };
    if (source.error) {
      counts.unreadable++;
      if (counts.examples.length < 3) counts.examples.push(source.error);
    } else if (source.rewriting) counts.rewriting++;
    else if (source.content) counts.whole++;
  }
  return counts;
}

/** `reads` reads of the same file as a foreign pool file, what acquire() does twice per lease. */
export async function poolReads(lib: AllocatorBundle, file: string, reads: number): Promise<RewriteCounts> {
  const counts: RewriteCounts = { reads, unreadable: 0, rewriting: 0, whole: 0, examples: [] };
  for (let i = 0; i < reads; i++) {
    const r = (await lib.readForeignLeases([file], 2, lib.osProcessFacts)) as { unreadable: string[]; rewriting?: string[] };
    if (r.unreadable.length) {
      counts.unreadable++;
      if (counts.examples.length < 3) counts.examples.push(r.unreadable[0]!);
    } else if (r.rewriting?.length) counts.rewriting++;
    else counts.whole++;
  }
  return counts;
}

/** Milliseconds until readPoolSource reports a corrupt file written just now / a minute ago. */
export async function corruptReported(lib: AllocatorBundle): Promise<{ fresh: number; old: number; freshError: string | null; oldError: string | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'fd-bench-corrupt-'));
  const fresh = join(dir, 'fresh.json');
  const old = join(dir, 'old.json');
  writeFileSync(old, '[1, "x"');
  const minuteAgo = (Date.now() - 60_000) / 1000;
  utimesSync(old, minuteAgo, minuteAgo);
  writeFileSync(fresh, '[1, "x"');
  let t = performance.now();
  const freshError = (await lib.readPoolSource(fresh, 2)).error;
  const freshMs = performance.now() - t;
  t = performance.now();
  const oldError = (await lib.readPoolSource(old, 2)).error;
  return { fresh: freshMs, old: performance.now() - t, freshError, oldError };
}
