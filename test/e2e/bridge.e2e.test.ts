import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bridgeDir, removeDir, startSilentServer } from '../bridge/helpers';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { extensionLog, listing, tail, withDiagnosis } from './harness/diagnosis';
import { Workbench } from './harness/workbench';

/**
 * The live bridge end to end, as a user meets it: auto-attach is on (smart), a script started
 * in VS Code's integrated terminal makes a fetch that its server never answers. With no change
 * to the script, it shows in Broker Calls under its process, stalled, counted in the status bar;
 * Break (after a modal naming the process) aborts it in that process, which prints the abort
 * and exits; its row goes away.
 */
const SCRIPT = (url: string) => `// A test-like script: its fetch never gets an answer.
import { writeFileSync } from 'node:fs';
console.log('fetching ${url}');
try {
  await fetch('${url}');
  console.log('ANSWERED');
} catch (err) {
  const line = 'FETCH ABORTED: ' + err.message + (err.cause ? ' (' + err.cause.message + ')' : '');
  console.log(line);
  writeFileSync('aborted.txt', line + '\\n');
  process.exit(7);
}
`;

describe('Live bridge in a real VS Code', () => {
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let server: CodeServer;
  let wb: Workbench;
  let dir: string;

  beforeAll(async () => {
    silent = await startSilentServer();
    dir = bridgeDir();
    server = await startCodeServer({
      settings: {
        'flakeDoctor.bridge.autoAttach': 'smart',
        'flakeDoctor.bridge.stallThresholdMs': 1000,
        'flakeDoctor.loopback.poolFiles': [join(mkdtempSync(join(tmpdir(), 'fd-e2e-bridge-')), 'pool.json')],
      },
      // The DOM renderer, so the terminal's text can be read.
      userSettings: { 'terminal.integrated.gpuAcceleration': 'off' },
      files: { 'stall.mjs': SCRIPT(silent.url.replace(/\?.*$/, '/never')) },
      // A private bridge directory: the extension host and its terminals use this one.
      env: { FLAKE_DOCTOR_BRIDGE_DIR: dir },
    });
    wb = await Workbench.open(server.url, server.workspace);
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') console.error(`screenshot: ${await wb?.screenshot(`bridge-${ctx.task.name}`)}\n${server?.logs().slice(-3000)}`);
  });

  afterAll(async () => {
    await wb?.close();
    await server?.stop();
    await silent?.close();
    if (dir) removeDir(dir);
  });

  it('a script started in the terminal shows its stalled fetch under its process; Break aborts it there', async () => {
    await wb.openContainer();
    // Auto-attach is active once the extension says so in the status bar.
    await expect.poll(() => wb.statusBar().innerText(), { timeout: 90_000 }).toContain('Attach: Smart');
    const view = await wb.expandView('Broker Calls');

    await wb.page.keyboard.press('Control+Backquote');
    const terminal = wb.page.locator('.terminal-wrapper .xterm').first();
    await terminal.waitFor({ timeout: 60_000 });
    // Type only once the shell has printed its prompt: keys sent before are lost.
    const rows = wb.page.locator('.terminal-wrapper .xterm-rows').first();
    await expect.poll(() => rows.innerText(), { timeout: 60_000 }).toMatch(/[$#]\s*$/);
    // The first keys can be swallowed while the terminal takes focus (seen: "ode stall.mjs"):
    // type the command, see it echoed on the prompt line, and only then press Enter; otherwise
    // clear the line (Ctrl+U) and type it again.
    await terminal.click();
    await wb.page.locator('.terminal-wrapper .xterm-helper-textarea').first().focus();
    for (let attempt = 1; ; attempt++) {
      await wb.page.keyboard.type('node stall.mjs', { delay: 20 });
      try {
        await expect.poll(() => rows.innerText(), { timeout: 5_000 }).toMatch(/[$#] node stall\.mjs\s*$/);
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
        await wb.page.keyboard.press('Control+U');
      }
    }
    await wb.page.keyboard.press('Enter');

    // If a step fails, the failure says what there was to see: the terminal, the view, the
    // bridge directory and the extension's log (CI shows only a run's last lines).
    const seen = async () =>
      [
        `status bar: ${(await wb.statusBar().innerText()).replace(/\s+/g, ' ')}`,
        `terminal:\n${tail(await rows.innerText(), 12)}`,
        `Broker Calls rows: ${(await view.locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ')).join(' | ') || '(none)'}`,
        `bridge directory ${dir}: ${listing(dir)}`,
        `extension log:\n${tail(extensionLog(server.userData), 15)}`,
      ].join('\n');
    // The script runs: its first line is printed. An Enter lost like the first keys leaves the
    // command on the prompt line; it is pressed once more then (and said), never retyped.
    const started = () => expect.poll(() => rows.innerText(), { timeout: 15_000 }).toContain('fetching http://');
    try {
      await started();
    } catch {
      if (/[$#] node stall\.mjs\s*$/.test(await rows.innerText())) {
        console.warn('the Enter after "node stall.mjs" was lost; pressing it again');
        await wb.page.keyboard.press('Enter');
      }
      await withDiagnosis(started(), seen);
    }
    const processRow = wb.treeItem(view, 'stall.mjs');
    await withDiagnosis(
      expect.poll(() => processRow.textContent({ timeout: 5_000 }), { timeout: 60_000 }).toMatch(/pid \d+ · stall\.mjs.*1 HTTP call in flight · 1 stalled/),
      seen,
    );
    const pid = Number(/pid (\d+)/.exec((await processRow.textContent()) ?? '')?.[1]);
    const call = wb.treeItem(view, 'GET http://127.0.0.1');
    await expect.poll(() => call.textContent(), { timeout: 30_000 }).toMatch(/\/never.*STALLED · .* · no answer yet/);
    await expect.poll(() => wb.statusBar().innerText(), { timeout: 30_000 }).toContain('Attach: Smart · 1');
    await expect.poll(() => wb.statusBar().innerHTML(), { timeout: 30_000 }).toContain('1 in Broker Calls');

    // A click on the attached call previews its details document: no modal.
    const callUrl = silent.url.replace(/\?.*$/, '/never');
    await call.click();
    await expect.poll(() => wb.activeEditorText(), { timeout: 15_000 }).toContain(`# GET ${callUrl}`);
    expect(await wb.dialog().count()).toBe(0);

    await wb.inlineAction(call, 'Break');
    const dialog = wb.dialog();
    await dialog.waitFor({ timeout: 15_000 });
    const text = (await dialog.textContent()) ?? '';
    expect(text).toContain(`Abort GET ${silent.url.replace(/\?.*$/, '/never')} in pid ${pid}?`);
    expect(text).toMatch(new RegExp(`Process pid ${pid}: \\S*node \\S*stall\\.mjs`));
    await dialog.getByRole('button', { name: 'Abort Call' }).click();

    // The script saw the abort, printed it and exited; its process row leaves the view.
    const marker = join(server.workspace, 'aborted.txt');
    // Polled for its content, not its existence: the script creates the file, then writes it.
    await expect.poll(() => (existsSync(marker) ? readFileSync(marker, 'utf8') : ''), { timeout: 30_000 }).toContain('aborted through the Flake Doctor bridge');
    await expect.poll(() => wb.page.locator('.terminal-wrapper .xterm-rows').first().innerText(), { timeout: 30_000 }).toContain('FETCH ABORTED');
    await expect.poll(() => view.locator('.monaco-list-row').filter({ hasText: 'stall.mjs' }).count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => wb.statusBar().innerHTML(), { timeout: 30_000 }).not.toContain('in Broker Calls');
    // The open document followed: the call is gone, its last facts stay readable.
    await expect.poll(() => wb.activeEditorText(), { timeout: 15_000 }).toContain('No longer listed in Broker Calls (attached process)');
    await wb.screenshot('bridge-after-break');
  });
});
