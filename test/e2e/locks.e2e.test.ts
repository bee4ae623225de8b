import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { plantDeadHolderLock, writeLockForTesting, type DeadHolderLock } from '../../src/core/lock';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { Workbench } from './harness/workbench';

/**
 * The packaged extension in a real code-server. A lock in the workspace held by a process
 * that really died (spawned, recorded, SIGKILLed) shows as a dead holder with a warning and
 * is counted in the status bar; Probe reports it; Break names the holder in a modal, removes
 * the lock, and the view and status bar follow. A lock created later by a live holder is
 * found as it appears, and Break refuses it until a second, explicit confirmation.
 */
describe('Restart Locks in a real VS Code', () => {
  let server: CodeServer;
  let wb: Workbench;
  let dead: DeadHolderLock;

  // Other views may count problems of their own (e.g. a loopback conflict from a concurrent
  // test on this machine): look at this view's share, which the status bar's label names.
  const statusBarHtml = () => wb.statusBar().innerHTML();

  beforeAll(async () => {
    server = await startCodeServer({
      settings: {
        // Keep the Loopback view on a private (empty) pool file, not the machine-wide one.
        'flakeDoctor.loopback.poolFiles': [join(mkdtempSync(join(tmpdir(), 'fd-e2e-locks-')), 'pool.json')],
        // This file is about a dead holder: the lock must not turn stale (30 s by default)
        // while a loaded machine takes its time to start code-server and the workbench.
        'flakeDoctor.locks.staleMs': 3_600_000,
      },
    });
    // Planted before the workbench opens (the extension activates with it): found by the
    // default pattern **/fleet/restart.lock.
    dead = await plantDeadHolderLock(join(server.workspace, 'fleet', 'restart.lock'));
    wb = await Workbench.open(server.url, server.workspace);
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') console.error(`screenshot: ${await wb?.screenshot(`locks-${ctx.task.name}`)}`);
  });

  afterAll(async () => {
    await wb?.screenshot('view-restart-locks');
    await wb?.close();
    await server?.stop();
  });

  it('shows the lock of a dead process as a dead holder with a warning; the status bar counts it', async () => {
    await wb.openContainer();
    const view = await wb.expandView('Restart Locks');
    const row = wb.treeItem(view, 'fleet/restart.lock');
    await expect.poll(() => row.textContent(), { timeout: 60_000 }).toContain('dead holder');
    expect(await row.textContent()).toContain(`pid ${dead.pid}`);
    expect(await row.locator('.codicon-debug-disconnect').count()).toBe(1);
    await expect.poll(statusBarHtml, { timeout: 30_000 }).toContain('1 in Restart Locks');
    await wb.readmePicture('fault-restart-locks');
  });

  it('Probe reports the dead holder', async () => {
    const view = wb.view('Restart Locks');
    await wb.inlineAction(wb.treeItem(view, 'fleet/restart.lock'), 'Probe');
    await expect
      .poll(() => wb.notifications().allTextContents(), { timeout: 30_000 })
      .toEqual(expect.arrayContaining([expect.stringContaining(`Probe fleet/restart.lock: dead holder, pid ${dead.pid}`)]));
    // "Show Details" opens the lock's details document with the report in it (no modal).
    const toast = wb.notifications().filter({ hasText: 'Probe fleet/restart.lock' }).first();
    await toast.hover();
    await toast.getByRole('button', { name: 'Show Details' }).click();
    await wb.waitForEditorText(['# fleet/restart.lock: dead holder', '## Last report: Probe fleet/restart.lock']);
    expect(await wb.dialog().count()).toBe(0);
  });

  it('Break names the holder in a modal, removes the lock, and the view and status bar update', async () => {
    const view = wb.view('Restart Locks');
    const row = wb.treeItem(view, 'fleet/restart.lock');
    await wb.inlineAction(row, 'Break');
    const dialog = wb.dialog();
    await dialog.waitFor({ timeout: 15_000 });
    const text = await dialog.textContent();
    expect(text).toContain(`held by pid ${dead.pid}`);
    expect(text).toContain('flake-doctor dead holder'); // its command line
    expect(text).toContain('gone: no process has this pid');
    await dialog.getByRole('button', { name: 'Break Lock' }).click();
    await expect.poll(() => existsSync(dead.lockPath), { timeout: 30_000 }).toBe(false);
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toMatch(/free/);
    await expect.poll(statusBarHtml, { timeout: 30_000 }).not.toContain('in Restart Locks');
  });

  it('finds a lock created later; Break of its live holder is refused until a second confirmation', async () => {
    const view = wb.view('Restart Locks');
    // Held by this test process: alive and fresh.
    const lockPath = join(server.workspace, 'api.restart.lock');
    const record = writeLockForTesting(lockPath);
    const row = wb.treeItem(view, 'api.restart.lock');
    await expect.poll(() => row.textContent(), { timeout: 60_000 }).toContain(`held · pid ${process.pid}`);

    // Break of a live holder is in the context menu only (the inline one is for problems).
    await wb.contextMenuAction(row, 'Break Restart Lock');
    const dialog = wb.dialog();
    await expect.poll(() => dialog.textContent(), { timeout: 15_000 }).toContain(`held by pid ${process.pid}`);
    expect(await dialog.textContent()).toContain('a safe break will be refused');
    await dialog.getByRole('button', { name: 'Break Lock' }).click();

    // The safe break was refused: the second modal asks before forcing, the lock is untouched.
    await expect.poll(() => dialog.textContent(), { timeout: 15_000 }).toContain(`Force the break? pid ${process.pid} is running`);
    expect(existsSync(lockPath)).toBe(true);
    // Enter on the second modal keeps the lock: the focused (default) button is the safe one.
    await expect.poll(() => wb.page.evaluate<string>("document.activeElement?.textContent ?? ''"), { timeout: 15_000 }).toContain('Keep the Lock');
    await dialog.getByRole('button', { name: 'Force Break' }).click();
    await expect.poll(() => existsSync(lockPath), { timeout: 30_000 }).toBe(false);
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toMatch(/free/);
    await expect
      .poll(() => wb.notifications().allTextContents(), { timeout: 30_000 })
      .toEqual(expect.arrayContaining([expect.stringContaining(`removed the held lock of pid ${process.pid} (forced)`)]));
    expect(record.pid).toBe(process.pid);
  });
});
