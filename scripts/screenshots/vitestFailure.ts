// The README's picture of a vitest failure with its Flake Doctor section: the fixture project
// (test/fixtures/doctor-project) run by real vitest with the plugin, its fetch test against a
// server that accepts the connection and never answers, the colored output rendered as a
// terminal page in Chromium and saved as media/screenshots/vitest-failure.png.
//
//   node --import tsx scripts/screenshots/vitestFailure.ts     (npm run screenshots runs it)

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AnsiToHtml from 'ansi-to-html';
import { chromium } from 'playwright-core';
import { childEnv, installFixture, run, VITEST_BIN } from '../../test/doctor/package';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { stopChild } from '../../test/helpers/processes';

const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, 'media', 'screenshots', 'vitest-failure.png');
const CHROMIUM = process.env.FLAKE_DOCTOR_CHROMIUM || '/usr/bin/chromium';

/** VS Code's dark terminal palette (the 16 ANSI colours), readable on its background. */
const TERMINAL_COLORS = [
  '#000000',
  '#f14c4c',
  '#23d18b',
  '#e5e510',
  '#3b8eea',
  '#d670d6',
  '#29b8db',
  '#e5e5e5',
  '#666666',
  '#f14c4c',
  '#23d18b',
  '#f5f543',
  '#3b8eea',
  '#d670d6',
  '#29b8db',
  '#e5e5e5',
];

/** The failure block of the fetch test: from its FAIL header in the summary to the next one. */
function fetchFailure(output: string): string {
  const start = output.indexOf('FAIL', output.indexOf('Failed Tests'));
  if (start === -1) throw new Error(`no failure block in the fixture's output:\n${output}`);
  const end = output.indexOf('⎯⎯⎯⎯', start + 200);
  return output.slice(start, end === -1 ? undefined : end).trimEnd();
}

/** childEnv turns colour off (NO_COLOR is honoured by its mere presence); the picture wants it on. */
function colored(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NO_COLOR: _off, ...rest } = env;
  void _off;
  return { ...rest, FORCE_COLOR: '1' };
}

async function main(): Promise<void> {
  const fixture = await installFixture();
  // A named script, so the culprit line reads as a real one would.
  const broker = spawn(process.execPath, ['scripts/screenshots/stuckBroker.mjs'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(broker.stdout, 'data')) as [Buffer];
  const url = line.toString().trim();
  try {
    const result = await run(process.execPath, [VITEST_BIN, 'run', 'failing/fetch.test.mjs'], {
      cwd: fixture.root,
      env: colored(childEnv({ FIXTURE_HANG_URL: url })),
      timeoutMs: 90_000,
    });
    const text = fetchFailure(result.stdout + result.stderr).replaceAll(fixture.root, '~/project');
    const body = new AnsiToHtml({ fg: '#d4d4d4', bg: '#1e1e1e', escapeXML: true, colors: TERMINAL_COLORS }).toHtml(text);
    const page = `<!doctype html><meta charset="utf-8"><style>
      body { margin: 0; background: #1e1e1e; }
      pre { margin: 0; padding: 16px 20px; font: 13px/1.45 'DejaVu Sans Mono', monospace; color: #d4d4d4; white-space: pre-wrap; width: 1100px; }
    </style><pre>${body}</pre>`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    try {
      const tab = await browser.newPage({ viewport: { width: 1140, height: 400 } });
      await tab.setContent(page);
      mkdirSync(join(ROOT, 'media', 'screenshots'), { recursive: true });
      await tab.locator('pre').screenshot({ path: OUT });
    } finally {
      await browser.close();
    }
    writeFileSync(join(ROOT, 'test-results', 'vitest-failure.txt'), text, { flag: 'w' });
    console.log(`wrote ${OUT}`);
  } finally {
    await stopChild(broker);
    fixture.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
