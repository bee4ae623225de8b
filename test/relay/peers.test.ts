// Real, independent peers: Chromium's WebSocket (through Playwright) and Python's
// `websockets`. They share no code with `ws`, so a framing or keepalive mistake that `ws`
// happens to tolerate on both ends would show up here.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, expect, test } from 'vitest';
import { startDemoProvider } from '../../src/core/relay/index';
import { cleanup, relayForTest, until } from './helpers/wsPeers';

afterEach(cleanup);

const here = dirname(fileURLToPath(import.meta.url));
let browser: Browser | null = null;
afterAll(async () => {
  await browser?.close();
});

interface PythonReport {
  provider_pong_ms: number;
  client_pong_ms: number;
  provider_answered: number;
  client_replies: { id: string; result: { echo: number; by: string } }[];
}

test("Python's websockets as provider and client: messages relayed, PONGs both ways", async () => {
  const relay = await relayForTest({ heartbeatIntervalMs: 0 });
  const child = spawn('/usr/bin/python3', [join(here, 'helpers', 'python_peer.py'), relay.url, '5'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await until(() => stdout.includes('\n') || child.exitCode !== null, 'the Python report', 30_000);
    expect(stderr).toBe('');
    const report = JSON.parse(stdout.trim()) as PythonReport;
    expect(report.provider_answered).toBe(5);
    expect(report.client_replies).toEqual(Array.from({ length: 5 }, (_, i) => ({ id: `py-${i}`, result: { echo: i, by: 'python' } })));
    // The relay answered Python's PINGs...
    expect(report.provider_pong_ms).toBeGreaterThanOrEqual(0);
    expect(report.client_pong_ms).toBeGreaterThanOrEqual(0);
    // ...and Python answers the relay's.
    const sessions = relay.sessions();
    expect(sessions.map((s) => s.role).sort()).toEqual(['client', 'provider']);
    for (const session of sessions) expect(await relay.probeSession(session.id)).toBeGreaterThanOrEqual(0);
  } finally {
    child.stdin.end();
    if (child.exitCode === null) await once(child, 'exit');
  }
  expect(child.exitCode).toBe(0);
});

test("Chromium's WebSocket as a client: messages relayed, the browser answers the relay's PINGs", async () => {
  const relay = await relayForTest({ heartbeatIntervalMs: 100 });
  await startDemoProvider(relay.url, { answer: true });
  await until(() => relay.sessions().length === 1, 'provider');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage();
  const replies = await page.evaluate(async (url: string) => {
    const ws = new WebSocket(url);
    // Registered now, so the Close the test triggers later cannot arrive before its handler.
    (globalThis as unknown as { relayClosed: Promise<{ code: number; reason: string }> }).relayClosed = new Promise((resolve) => {
      ws.onclose = (event) => resolve({ code: event.code, reason: event.reason });
    });
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error('browser WebSocket failed'));
    });
    const got: unknown[] = [];
    const all = new Promise<void>((resolve) => {
      ws.onmessage = (event) => {
        got.push(JSON.parse(String(event.data)));
        if (got.length === 6) resolve();
      };
    });
    for (let i = 0; i < 5; i += 1) ws.send(JSON.stringify({ id: `b${i}`, params: { i, text: 'héllo ✓' } }));
    ws.send('not json');
    await all;
    return got;
  }, relay.clientUrl);

  expect(replies).toContainEqual({ id: null, error: { code: 'bad_json', message: expect.stringContaining('not valid JSON') } });
  for (let i = 0; i < 5; i += 1) expect(replies).toContainEqual({ id: `b${i}`, result: { i, text: 'héllo ✓' } });

  const browserSession = await until(() => relay.sessions().find((s) => s.role === 'client' && s.lastPong !== null), 'a heartbeat PONG from Chromium');
  expect(await relay.probeSession(browserSession.id)).toBeGreaterThanOrEqual(0);

  await relay.closeSession(browserSession.id, 4000, 'bye, browser');
  const closeInfo = await page.evaluate(() => (globalThis as unknown as { relayClosed: Promise<{ code: number; reason: string }> }).relayClosed);
  expect(closeInfo).toEqual({ code: 4000, reason: 'bye, browser' });
}, 60_000);
