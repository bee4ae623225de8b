import { mkdtempSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { startDemoClient, startDemoProvider, type DemoClient, type DemoProvider } from '../../src/core/relay';
import { freePortOn } from '../helpers/ports';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { Workbench } from './harness/workbench';

/** The extension's relay only exists once the workbench has activated it: retry until it answers. */
async function connectWhenUp<T>(connect: () => Promise<T>, timeoutMs = 150_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connect();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

const localPort = (ws: WebSocket): number => (ws as unknown as { _socket: Socket })._socket.localPort!;
const closeCode = (ws: WebSocket): Promise<number> => new Promise((r) => ws.once('close', (code) => r(code)));

/**
 * The packaged extension in a real code-server, its relay autostarted on a free port; real
 * peers connect from this process: a healthy provider, a provider that stops reading (its
 * heartbeat PONGs go missing) and a client. The sessions appear with their health, the
 * stuck one warns in the status bar, Probe reports a round trip, Break (after the modal
 * naming the session) closes it and it disappears, Restart closes the rest with 1012.
 */
describe('WebSocket Sessions in a real VS Code', () => {
  let server: CodeServer;
  let wb: Workbench;
  let port: number;
  let healthy: DemoProvider;
  let stuck: DemoProvider;
  let client: DemoClient;

  beforeAll(async () => {
    port = await freePortOn(['127.0.0.1']);
    server = await startCodeServer({
      settings: {
        'flakeDoctor.sessions.autostart': true,
        'flakeDoctor.sessions.port': port,
        'flakeDoctor.sessions.heartbeatIntervalMs': 1000,
        'flakeDoctor.sessions.readTimeoutMs': 600_000,
        // Keep the other views quiet: a private (empty) pool file, not the machine-wide one.
        'flakeDoctor.loopback.poolFiles': [join(mkdtempSync(join(tmpdir(), 'fd-e2e-sessions-')), 'pool.json')],
      },
    });
    wb = await Workbench.open(server.url, server.workspace);
    const url = `ws://127.0.0.1:${port}`;
    // One at a time, so the relay numbers them in this order: provider-1, provider-2, client-3.
    healthy = await connectWhenUp(() => startDemoProvider(url, { answer: true }));
    stuck = await connectWhenUp(() => startDemoProvider(url, { answer: false, stopReading: true }));
    client = await connectWhenUp(() => startDemoClient(url, { intervalMs: 500 }));
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') console.error(`screenshot: ${await wb?.screenshot(`sessions-${ctx.task.name}`)}`);
  });

  afterAll(async () => {
    await wb?.screenshot('view-websocket-sessions');
    for (const peer of [client, stuck, healthy]) await peer?.close().catch(() => undefined);
    await wb?.close();
    await server?.stop();
  });

  it('lists the relay and its sessions; the stuck provider warns and the status bar counts it', async () => {
    await wb.openContainer();
    const view = await wb.expandView('WebSocket Sessions');
    await expect.poll(() => wb.treeItem(view, `ws://127.0.0.1:${port}`).textContent(), { timeout: 60_000 }).toMatch(/listening · 2 providers · 1 client/);
    await expect.poll(() => wb.treeItem(view, 'provider-1').textContent(), { timeout: 30_000 }).toContain(`127.0.0.1:${localPort(healthy.ws)}`);
    await expect.poll(() => wb.treeItem(view, 'provider-1').textContent(), { timeout: 30_000 }).toMatch(/RTT <?[\d.]+ m?s/);
    await expect.poll(() => wb.treeItem(view, 'client-3').textContent(), { timeout: 30_000 }).toContain(`client · 127.0.0.1:${localPort(client.ws)}`);
    await expect.poll(() => wb.treeItem(view, 'provider-2').textContent(), { timeout: 60_000 }).toMatch(/\d+ missed/);
    await expect.poll(() => wb.treeItem(view, 'provider-2').locator('.codicon-warning').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => wb.treeItem(view, 'provider-1').locator('.codicon-warning').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => wb.statusBar().innerHTML(), { timeout: 30_000 }).toContain('1 in WebSocket Sessions');
    await wb.readmePicture('fault-websocket-sessions');
  });

  it('a hovered live row keeps its tooltip for 5 s while its round trip keeps changing', async () => {
    const view = wb.view('WebSocket Sessions');
    const row = wb.treeItem(view, 'provider-1');
    await row.locator('.label-name').hover();
    const tooltip = wb.page.locator('.workbench-hover, .monaco-hover').filter({ hasText: 'last PONG round trip' }).first();
    await tooltip.waitFor({ state: 'visible', timeout: 15_000 });
    // Heartbeats every second refresh this session; a redraw of its row used to close an open hover within 0.4–2.5 s.
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      expect(await tooltip.isVisible()).toBe(true);
      await wb.page.waitForTimeout(200);
    }
    // Put the hover away before the next test clicks rows under it.
    await wb.page.mouse.move(900, 500);
    await wb.page.keyboard.press('Escape');
    await tooltip.waitFor({ state: 'hidden', timeout: 15_000 });
  });

  it('Probe sends a PING and reports the round trip', async () => {
    const view = wb.view('WebSocket Sessions');
    await wb.inlineAction(wb.treeItem(view, 'provider-1'), 'Probe');
    await expect
      .poll(() => wb.notifications().allTextContents(), { timeout: 30_000 })
      .toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`Probe provider-1 \\(provider, 127\\.0\\.0\\.1:${localPort(healthy.ws)}\\): PONG in [\\d.]+ ms`)),
        ]),
      );
  });

  it('the Details action (context menu) opens the stuck session’s document, with no modal', async () => {
    const view = wb.view('WebSocket Sessions');
    await wb.contextMenuAction(wb.treeItem(view, 'provider-2'), 'Show WebSocket Session Details');
    await wb.editorTab('provider-2.md').waitFor({ timeout: 15_000 });
    await expect.poll(() => wb.activeEditorText(), { timeout: 15_000 }).toContain(`# provider-2 (provider, 127.0.0.1:${localPort(stuck.ws)})`);
    expect(await wb.activeEditorText()).toMatch(/missed heartbeat PONGs \| [1-9]/);
    expect(await wb.dialog().count()).toBe(0);
  });

  it('Break names the session in a modal, closes it, and it disappears', async () => {
    const view = wb.view('WebSocket Sessions');
    await wb.inlineAction(wb.treeItem(view, 'provider-2'), 'Break');
    const dialog = wb.dialog();
    await dialog.waitFor({ timeout: 15_000 });
    const text = await dialog.textContent();
    expect(text).toContain(`Close WebSocket session provider-2 (provider, 127.0.0.1:${localPort(stuck.ws)})?`);
    expect(text).toContain('code 4500');
    await dialog.getByRole('button', { name: 'Close Session' }).click();
    // The stuck peer does not read, so it never answers the Close: the relay destroys the
    // socket after the close drain, and the row goes.
    await expect.poll(() => view.locator('.monaco-list-row').filter({ hasText: 'provider-2' }).count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => wb.treeItem(view, `ws://127.0.0.1:${port}`).textContent(), { timeout: 30_000 }).toMatch(/1 provider · 1 client/);
    await expect.poll(() => wb.statusBar().innerHTML(), { timeout: 30_000 }).not.toContain('in WebSocket Sessions');
    expect(healthy.ws.readyState).toBe(healthy.ws.OPEN);
    // Its open document followed: no longer listed, the last facts kept.
    await expect.poll(() => wb.activeEditorText(), { timeout: 15_000 }).toContain('No longer listed in WebSocket Sessions');
  });

  it('Restart closes every session with 1012 after confirming, and the relay listens again', async () => {
    const view = wb.view('WebSocket Sessions');
    const codes = Promise.all([closeCode(healthy.ws), closeCode(client.ws)]);
    await view.locator('.pane-header').first().hover();
    await view.locator('.pane-header .action-label[aria-label^="Restart WebSocket Relay"]').first().click();
    const dialog = wb.dialog();
    await dialog.waitFor({ timeout: 15_000 });
    expect(await dialog.textContent()).toContain('2 sessions will be closed with 1012 "service restart"');
    await dialog.getByRole('button', { name: 'Restart Relay' }).click();
    expect(await codes).toEqual([1012, 1012]);
    await expect.poll(() => wb.treeItem(view, `ws://127.0.0.1:${port}`).textContent(), { timeout: 30_000 }).toMatch(/listening · 0 providers · 0 clients/);
    // Same port: a peer reconnects to the same URL.
    healthy = await connectWhenUp(() => startDemoProvider(`ws://127.0.0.1:${port}`, { answer: true }), 30_000);
    await expect.poll(() => view.locator('.monaco-list-row').filter({ hasText: 'provider-' }).count(), { timeout: 30_000 }).toBe(1);
  });
});
