import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePortOn } from '../helpers/ports';
import { startReusePortListener, stopChild } from '../helpers/processes';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { msUntil, seconds } from './harness/timing';
import { Workbench } from './harness/workbench';

/** The status bar counts a problem once it has lasted this long (ProblemHold). */
const HOLD_MS = 5000;

/**
 * The packaged extension in a real code-server: a real SO_REUSEPORT process that starts
 * lingering on the HTTP probe port of a pool address while the view is open shows as a
 * conflict with its pid, and the status bar warns — the suite prints how long each took after
 * the fault; Probe reports the port, and Break (after the modal) stops it and the address frees.
 */
describe('Loopback Addresses in a real VS Code', () => {
  const start = 201;
  const conflicted = `127.0.0.${start + 1}`;
  let lingering: ChildProcess;
  let server: CodeServer;
  let wb: Workbench;
  let httpPort: number;

  beforeAll(async () => {
    const addresses = [0, 1, 2].map((i) => `127.0.0.${start + i}`);
    const opsPort = await freePortOn(addresses);
    httpPort = await freePortOn(addresses);
    server = await startCodeServer({
      settings: {
        'flakeDoctor.loopback.start': start,
        'flakeDoctor.loopback.count': 3,
        'flakeDoctor.loopback.probePorts': [opsPort, httpPort],
        'flakeDoctor.loopback.poolFiles': [join(mkdtempSync(join(tmpdir(), 'fd-e2e-pool-')), 'pool.json')],
        'flakeDoctor.loopback.breakGraceMs': 2000,
      },
    });
    wb = await Workbench.open(server.url, server.workspace);
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') console.error(`screenshot: ${await wb?.screenshot(`loopback-${ctx.task.name}`)}`);
  });

  afterAll(async () => {
    await wb?.screenshot('view-loopback-addresses');
    await wb?.close();
    await server?.stop();
    await stopChild(lingering);
  });

  it('shows a listener that starts lingering as a conflict with its pid, and the status bar warns after the hold (timings printed)', async () => {
    await wb.openContainer();
    const view = await wb.expandView('Loopback Addresses');
    // The view is up and scanning, with nothing wrong yet: three free addresses folded into one row.
    await expect.poll(() => view.locator('.monaco-list-row .label-name', { hasText: /^3 free$/ }).count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => wb.statusBar().textContent(), { timeout: 30_000 }).toContain('Flake Doctor');
    await new Promise((r) => setTimeout(r, 1500));

    lingering = await startReusePortListener(conflicted, [httpPort]);
    const fault = performance.now(); // the listener printed "ready" after listen(): the fault is on
    const row = wb.treeItem(view, conflicted);
    const [rowMs, statusMs] = await Promise.all([
      msUntil(async () => ((await row.textContent({ timeout: 200 })) ?? '').includes('conflict'), fault, 60_000),
      msUntil(async () => ((await wb.statusBar().textContent({ timeout: 200 })) ?? '').includes('Flake Doctor: 1 problem'), fault, 60_000),
    ]);
    console.log(`[timing] fault → row ${seconds(rowMs)} (goal 2 s); fault → status bar ${seconds(statusMs)} (goal: hold ${seconds(HOLD_MS)} + 2 s)`);
    const portRow = wb.treeItem(view, String(httpPort));
    await expect.poll(() => portRow.textContent(), { timeout: 10_000 }).toContain(`pid ${lingering.pid}`);
    // The hold is kept: a problem never counts before it has lasted it. The upper bounds are the
    // goals with room for a loaded 2-core machine (the figures above are what to compare).
    expect(statusMs).toBeGreaterThanOrEqual(HOLD_MS);
    expect(rowMs).toBeLessThan(10_000);
    expect(statusMs).toBeLessThan(HOLD_MS + 10_000);
    await wb.readmePicture('fault-loopback-addresses');
  });

  it('a click on the row previews its details in an editor tab, with no modal, the focus staying in the view', async () => {
    const view = wb.view('Loopback Addresses');
    await wb.treeItem(view, conflicted).click();
    await wb.editorTab(`${conflicted}.md`).waitFor({ timeout: 15_000 });
    expect(await wb.dialog().count()).toBe(0);
    await wb.waitForEditorText([`# ${conflicted}: conflict`, `pid ${lingering.pid}`]);
    expect(await wb.hasFocusWithin(view)).toBe(true);
  });

  it('Probe reports the held port and its holder', async () => {
    const view = wb.view('Loopback Addresses');
    await wb.inlineAction(wb.treeItem(view, conflicted), 'Probe');
    await expect
      .poll(() => wb.notifications().allTextContents(), { timeout: 30_000 })
      .toEqual(expect.arrayContaining([expect.stringContaining(`${httpPort} held by pid ${lingering.pid}`)]));
    // "Show Details" adds the per-port report to the address's document (no modal).
    const toast = wb
      .notifications()
      .filter({ hasText: `${httpPort} held by pid ${lingering.pid}` })
      .first();
    await toast.hover();
    await toast.getByRole('button', { name: 'Show Details' }).click();
    await wb.waitForEditorText([`## Last report: Probe ${conflicted}`, `port ${httpPort}: in use by pid ${lingering.pid}`]);
    expect(await wb.dialog().count()).toBe(0);
  });

  it('Break names the process in a modal, stops it, and the address turns free', async () => {
    const view = wb.view('Loopback Addresses');
    await wb.inlineAction(wb.treeItem(view, conflicted), 'Break');
    const dialog = wb.dialog();
    await dialog.waitFor({ timeout: 15_000 });
    const text = await dialog.textContent();
    expect(text).toContain(`pid ${lingering.pid}`);
    expect(text).toContain('reuseport_listener.py');
    const exited = new Promise<void>((r) => lingering.once('exit', () => r()));
    await dialog.getByRole('button', { name: 'Stop Processes' }).click();
    await exited;
    // A free address is folded into the "N free" row (problems stay on top): expand it to see this one.
    await expect
      .poll(
        () =>
          view
            .locator('.monaco-list-row')
            .filter({ has: wb.page.locator('.label-name', { hasText: conflicted }) })
            .count(),
        { timeout: 30_000 },
      )
      .toBe(0);
    // The view rescans every second and other suites' listeners on this machine come and go in
    // it: a click can land on a row being redrawn. Expand the group until the address shows.
    const freeGroup = view
      .locator('.monaco-list-row')
      .filter({ has: wb.page.locator('.label-name', { hasText: /^\d+ free$/ }) })
      .first();
    await expect
      .poll(
        async () => {
          if ((await freeGroup.getAttribute('aria-expanded', { timeout: 2000 }).catch(() => null)) === 'false')
            await freeGroup.click({ timeout: 2000 }).catch(() => undefined);
          return (
            (await wb
              .treeItem(view, conflicted)
              .textContent({ timeout: 2000 })
              .catch(() => '')) ?? ''
          );
        },
        { timeout: 30_000 },
      )
      .toContain('free');
    await expect.poll(() => wb.statusBar().textContent(), { timeout: 10_000 }).not.toContain('problem');
  });

  it('the open details tab follows the address: free once its holder is stopped', async () => {
    await wb.editorTab(`${conflicted}.md`).click();
    // (Probe's report stays below the facts, naming the pid it found then.)
    await expect.poll(() => wb.activeEditorText(), { timeout: 15_000 }).toContain(`# ${conflicted}: free`);
  });

  it('an address tab that can be seen keeps the scans going while the view is collapsed', async () => {
    const header = wb.view('Loopback Addresses').locator('.pane-header').first();
    await header.click();
    await expect.poll(() => header.getAttribute('aria-expanded')).toBe('false');
    await wb.editorTab(`${conflicted}.md`).click();
    const again = await startReusePortListener(conflicted, [httpPort]);
    try {
      // Nothing else rescans here: no pool file changes, and the view cannot be seen.
      await expect.poll(() => wb.activeEditorText(), { timeout: 30_000 }).toContain(`# ${conflicted}: conflict`);
    } finally {
      await stopChild(again);
    }
  });
});
