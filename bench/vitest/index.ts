// Vitest plugin benchmark: the cost of `plugins: [flakeDoctor()]` when every test passes.
// The fixture project's passing tests plus a file of BENCH_TESTS trivial tests are run by
// real vitest with and without the plugin, alternating, BENCH_ROUNDS times each; prints the
// median wall time of each and the median of the per-round ratios. Asserts nothing.
//
//   npx tsx bench/vitest/index.ts
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { childEnv, installFixture, VITEST_BIN } from '../../test/doctor/package';
import { median } from '../stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TESTS = Number(process.env.BENCH_TESTS ?? 500);

function timedRun(cwd: string, config: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITEST_BIN, 'run', 'passing', '--config', config], { cwd, env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`vitest exited ${code}: ${err}`))));
  });
}

async function main(): Promise<void> {
  const fixture = await installFixture();
  try {
    const tests = Array.from({ length: TESTS }, (_, i) => `test('t${i}', () => { expect(${i} + 1).toBe(${i + 1}); });`).join('\n');
    writeFileSync(join(fixture.root, 'passing/many.test.mjs'), `import { expect, test } from 'vitest';\n${tests}\n`);
    writeFileSync(
      join(fixture.root, 'vitest.plain.config.mjs'),
      `import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { include: ['**/*.test.mjs'], exclude: ['**/node_modules/**', 'passing/healthy.test.mjs'], pool: 'forks' } });\n`,
    );
    writeFileSync(
      join(fixture.root, 'vitest.plugin.config.mjs'),
      `import { defineConfig } from 'vitest/config';\nimport { flakeDoctor } from 'flake-doctor/vitest';\nexport default defineConfig({ plugins: [flakeDoctor()], test: { include: ['**/*.test.mjs'], exclude: ['**/node_modules/**', 'passing/healthy.test.mjs'], pool: 'forks' } });\n`,
    );
    await timedRun(fixture.root, 'vitest.plain.config.mjs');
    await timedRun(fixture.root, 'vitest.plugin.config.mjs');
    const plain: number[] = [];
    const plugin: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? ['plugin', 'plain'] : ['plain', 'plugin'];
      const t: Record<string, number> = {};
      for (const which of order) t[which] = await timedRun(fixture.root, `vitest.${which}.config.mjs`);
      plain.push(t.plain!);
      plugin.push(t.plugin!);
      ratios.push(t.plugin! / t.plain!);
    }
    console.log(`rounds ${ROUNDS}, ${TESTS} passing tests in one file (each run: a fresh vitest process)`);
    console.log(`vitest run, no plugin         median ${median(plain).toFixed(0)} ms`);
    console.log(`vitest run, flakeDoctor()     median ${median(plugin).toFixed(0)} ms   ratio ${median(ratios).toFixed(3)}x`);
  } finally {
    fixture.remove();
  }
}

void main();
