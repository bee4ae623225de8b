import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CODE_SERVER_BIN, VSIX } from './paths';

export interface CodeServer {
  url: string;
  workspace: string;
  /** The fresh user-data directory: the extension's own log is under `logs/`. */
  userData: string;
  logs(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, child: ChildProcess, logs: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${logs()}`);
    try {
      const res = await fetch(url, { redirect: 'manual' });
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms:\n${logs()}`);
}

/**
 * A real VS Code: code-server with the packaged .vsix installed (through
 * `--install-extension`, as a user would), a fresh user-data dir, and a workspace folder
 * holding `settings` in `.vscode/settings.json`. Runs in its own process group so its helper
 * processes (extension host, file watcher) stop with it.
 */
export async function startCodeServer(options: {
  settings: Record<string, unknown>;
  files?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  userSettings?: Record<string, unknown>;
}): Promise<CodeServer> {
  const base = mkdtempSync(join(tmpdir(), 'fd-e2e-'));
  const userData = join(base, 'user-data');
  const extensions = join(base, 'extensions');
  const workspace = join(base, 'workspace');
  for (const dir of [join(userData, 'User'), extensions, join(workspace, '.vscode')]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(base, 'config.yaml'), '');
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'security.workspace.trust.enabled': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'update.mode': 'none',
      'workbench.enableExperiments': false,
      ...options.userSettings,
    }),
  );
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify(options.settings, null, 2));
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(workspace, name), text);

  const common = ['--config', join(base, 'config.yaml'), '--user-data-dir', userData, '--extensions-dir', extensions];
  const install = spawnSync(CODE_SERVER_BIN, [...common, '--install-extension', VSIX], { encoding: 'utf8', timeout: 120_000 });
  if (install.status !== 0) throw new Error(`installing ${VSIX} failed:\n${install.stdout}\n${install.stderr}`);

  const port = await freePort();
  let output = '';
  const child = spawn(
    CODE_SERVER_BIN,
    [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-workspace-trust', '--disable-telemetry', '--disable-update-check', workspace],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VSCODE_CLI: undefined, ...options.env } },
  );
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
    // Helpers outlive the main process briefly; make sure none is left behind.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // group empty
    }
  };
  try {
    await waitForHttp(url, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, workspace, userData, logs: () => output, stop };
}
