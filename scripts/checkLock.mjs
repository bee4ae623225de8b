// Fails when `npm install` would change package-lock.json, or `npm ci` would refuse it: a lock that records only one
// platform's optional packages (rollup's and esbuild's native builds for the other operating
// systems and CPUs) leaves a contributor on macOS or ARM without them, and vitest cannot start.
// Resolves the lock again in a scratch copy (--package-lock-only: nothing is installed, no
// script runs), so the checkout and its node_modules are never touched.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './paths.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'fd-lock-'));
try {
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, f), join(scratch, f));
  const r = spawnSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: scratch,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.error(`npm install --package-lock-only failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
    process.exit(1);
  }
  const before = readFileSync(join(ROOT, 'package-lock.json'), 'utf8');
  const after = readFileSync(join(scratch, 'package-lock.json'), 'utf8');
  if (before !== after) {
    const added = Object.keys(JSON.parse(after).packages).filter((k) => !(k in JSON.parse(before).packages));
    console.error(
      'package-lock.json is not what `npm install` makes of package.json: it would change' +
        (added.length ? `, adding ${added.length} entries (${added.slice(0, 5).join(', ')}${added.length > 5 ? ', …' : ''})` : '') +
        '.\nRegenerate it so it lists every platform: rm -rf node_modules package-lock.json && npm install',
    );
    process.exit(1);
  }
  // `npm ci` has a stricter rule than the resolution above: every optional package a locked
  // package names must itself be in the lock. A registry that lacks some platform's build makes
  // `npm install` leave it out without a word, and `npm ci` then refuses the lock everywhere.
  const ci = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: scratch, encoding: 'utf8' });
  if (ci.status !== 0) {
    const missing = `${ci.stdout}${ci.stderr}`.split('\n').filter((line) => /Missing:|Invalid:|in sync/.test(line));
    console.error(
      `\`npm ci\` refuses package-lock.json (exit ${ci.status ?? ci.signal}):\n${missing.slice(0, 8).join('\n') || ci.stderr}\n` +
        'A package whose optional per-platform builds this registry does not serve cannot be locked for every platform: prefer a version without them.',
    );
    process.exit(1);
  }
  console.log('package-lock.json is in sync with package.json, lists every platform, and `npm ci` accepts it');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
