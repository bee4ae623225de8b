import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePortOn } from '../helpers/ports';
import { startReusePortListener, stopChild } from '../helpers/processes';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { Workbench } from './harness/workbench';

/**
 * The packaged extension in a real code-server: a real SO_REUSEPORT process lingering on
 * the HTTP probe port of a pool address shows as a conflict with its pid, the status bar
 * warns, Probe reports the port, and Break (after the modal) stops it and the address frees.
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
    lingering = await startReusePortListener(conflicted, [httpPort]);
    server = await startCodeServer({
      settings: {
        'flakeDoctor.loopback.start': start,
        'flakeDoctor.loopback.count': 3,
        'flakeDoctor.loopback.probePorts': [opsPort, httpPort],
        'flakeDoctor.loopback.poolFiles': [join(mkdtempSync(join(tmpdir(), 'fd-e2e-pool-')), 'pool.json')],
        'flakeDoctor.loopback.minScanIntervalMs': 500,
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

  it('shows the lingering listener as a conflict with its pid, and the status bar warns', async () => {
    await wb.openContainer();
    const view = await wb.expandView('Loopback Addresses');
    const row = wb.treeItem(view, conflicted);
    await expect.poll(() => row.textContent(), { timeout: 60_000 }).toContain('conflict');
    const portRow = wb.treeItem(view, String(httpPort));
    await expect.poll(() => portRow.textContent(), { timeout: 10_000 }).toContain(`pid ${lingering.pid}`);
    await expect.poll(() => wb.statusBar().textContent(), { timeout: 10_000 }).toContain('Flake Doctor: 1 problem');
    await wb.readmePicture('fault-loopback-addresses');
  });

  it('Probe reports the held port and its holder', async () => {
    const view = wb.view('Loopback Addresses');
    await wb.inlineAction(wb.treeItem(view, conflicted), 'Probe');
    await expect
      .poll(() => wb.notifications().allTextContents(), { timeout: 30_000 })
      .toEqual(expect.arrayContaining([expect.stringContaining(`${httpPort} held by pid ${lingering.pid}`)]));
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
    await view
      .locator('.monaco-list-row')
      .filter({ has: wb.page.locator('.label-name', { hasText: /^\d+ free$/ }) })
      .first()
      .click();
    await expect.poll(() => wb.treeItem(view, conflicted).textContent(), { timeout: 30_000 }).toContain('free');
    await expect.poll(() => wb.statusBar().textContent(), { timeout: 10_000 }).not.toContain('problem');
  });
});
