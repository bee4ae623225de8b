import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBroker, type FakeBroker } from '../../src/core/listener';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { Workbench } from './harness/workbench';

/**
 * The packaged extension in a real code-server, its listener autostarted against a real fake
 * broker in this process. The broker never answers the first job acquisition (the origin's
 * failure); the deadline is long and the stall threshold short, so the call sits there
 * "stalled but not yet aborted". It appears with a warning, the status bar counts it, Probe
 * reports the broker's answer time, Break (after the modal naming the call) aborts it, the
 * listener retries and acquires the job, the call leaves the in-flight list and the status bar
 * clears. Restart (after its modal) replaces the session.
 */
describe('Broker Calls in a real VS Code', () => {
  let broker: FakeBroker;
  let server: CodeServer;
  let wb: Workbench;
  let jobId: number;
  let url: string;

  beforeAll(async () => {
    // Only the first acquisition stalls: after Break the retry succeeds, so the view settles.
    broker = await startFakeBroker({ faults: { acquireJobs: { kind: 'stall', times: 1 } }, longPollHoldMs: 30_000 });
    jobId = broker.enqueueJob();
    url = broker.url;
    server = await startCodeServer({
      settings: {
        'flakeDoctor.calls.brokerUrl': url,
        'flakeDoctor.calls.autostart': true,
        // Ten minutes: the stalled call is never aborted by its deadline during the test.
        'flakeDoctor.calls.controlPlaneTimeoutMs': 600_000,
        'flakeDoctor.calls.stallThresholdMs': 1000,
        // Keep the other views quiet: a private (empty) pool file, not the machine-wide one.
        'flakeDoctor.loopback.poolFiles': [join(mkdtempSync(join(tmpdir(), 'fd-e2e-calls-')), 'pool.json')],
      },
    });
    wb = await Workbench.open(server.url, server.workspace);
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') console.error(`screenshot: ${await wb?.screenshot(`calls-${ctx.task.name}`)}`);
  });

  afterAll(async () => {
    await wb?.screenshot('view-broker-calls');
    await wb?.close();
    await server?.stop();
    await broker?.close();
  });

  it('shows the listener and the stalled acquisition with a warning; the status bar counts it', async () => {
    await wb.openContainer();
    const view = await wb.expandView('Broker Calls');
    await expect
      .poll(() => wb.treeItem(view, url).textContent(), { timeout: 90_000 })
      .toMatch(/1 stalled · acquiring jobs · session [0-9a-f]{8}… · message 0 · 0 jobs acquired/);
    const call = wb.treeItem(view, 'acquireJobs');
    await expect
      .poll(() => call.textContent(), { timeout: 30_000 })
      .toMatch(/<?\d+ s \/ 10 min · stalled · no answer yet · POST \/tenant\/flake-doctor\/_apis\/runtime\/runnerscalesets\/1\/acquirejobs/);
    await expect.poll(() => call.locator('.codicon-error').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => wb.statusBar().innerHTML(), { timeout: 30_000 }).toContain('1 in Broker Calls');
    expect(broker.counts().acquireJobs).toBe(1);
    await wb.readmePicture('fault-broker-calls');
  });

  it('Probe times a request to the broker and reports it', async () => {
    const view = wb.view('Broker Calls');
    await wb.inlineAction(wb.treeItem(view, url), 'Probe');
    await expect
      .poll(() => wb.notifications().allTextContents(), { timeout: 60_000 })
      .toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`Probe ${url.replace(/[.]/g, '\\.')}: HTTP 200 in [\\d.]+ ms`))]));
  });

  it('Break names the call in a modal, aborts it, the listener retries and the call leaves the view', async () => {
    const view = wb.view('Broker Calls');
    await wb.inlineAction(wb.treeItem(view, 'acquireJobs'), 'Break');
    const dialog = wb.dialog();
    await dialog.waitFor({ timeout: 15_000 });
    const text = await dialog.textContent();
    // The real protocol's path (query, with its api-version, is not shown).
    expect(text).toContain(`Abort broker call acquireJobs (POST ${url}/tenant/flake-doctor/_apis/runtime/runnerscalesets/1/acquirejobs)?`);
    expect(text).toMatch(/In flight for \d+ s \/ 10 min, stalled; no answer yet/);
    expect(text).toContain('The listener makes the call again at once, keeping its session.');
    await dialog.getByRole('button', { name: 'Abort Call' }).click();

    // The retried acquisition is answered: the job is acquired and no acquisition is in flight
    // (the aborted one is under the collapsed "Recent calls").
    await expect.poll(() => wb.treeItem(view, url).textContent(), { timeout: 60_000 }).toMatch(/polling · session [0-9a-f]{8}… · message 1 · 1 job acquired/);
    await expect.poll(() => wb.treeItem(view, url).textContent(), { timeout: 30_000 }).not.toContain('stalled');
    await expect.poll(() => view.locator('.monaco-list-row').filter({ hasText: 'acquireJobs' }).count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => wb.statusBar().innerHTML(), { timeout: 30_000 }).not.toContain('in Broker Calls');
    expect(broker.acquiredJobs()).toEqual([jobId]);
    expect(broker.counts().acquireJobs).toBe(2);

    // The aborted call is kept among the recent calls, with its outcome.
    await wb.treeItem(view, 'Recent calls').click();
    await expect
      .poll(() => view.locator('.monaco-list-row').filter({ hasText: 'acquireJobs' }).allTextContents(), { timeout: 30_000 })
      .toEqual(
        expect.arrayContaining([
          expect.stringMatching(/aborted after \d+ s · POST \/tenant\/.*\/acquirejobs/),
          expect.stringMatching(/ok 200 after .* · POST \/tenant\/.*\/acquirejobs/),
        ]),
      );
  });

  it('Restart replaces the session after confirming', async () => {
    const view = wb.view('Broker Calls');
    const [before] = broker.sessions();
    expect(before).toBeDefined();
    await view.locator('.pane-header').first().hover();
    await view.locator('.pane-header .action-label[aria-label^="Restart Broker Listener"]').first().click();
    const dialog = wb.dialog();
    await dialog.waitFor({ timeout: 15_000 });
    expect(await dialog.textContent()).toContain(`Session ${before!.sessionId} is deleted and a new one is created.`);
    await dialog.getByRole('button', { name: 'Restart Listener' }).click();
    await expect.poll(() => broker.sessions().map((s) => s.sessionId), { timeout: 60_000 }).toEqual([expect.not.stringMatching(before!.sessionId)]);
    const after = broker.sessions()[0]!.sessionId;
    await expect.poll(() => wb.treeItem(view, url).textContent(), { timeout: 30_000 }).toContain(`polling · session ${after.slice(0, 8)}…`);
  });
});
