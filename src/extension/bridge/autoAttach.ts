// Auto-attach, the way VS Code's JavaScript debugger does it: the extension's environment
// variable collection puts a preload into NODE_OPTIONS of the integrated terminals, so a test
// run started there publishes over the bridge with no change to the user's code.
//
// The preload is a tiny bootloader in the extension's global storage, not the register module
// itself: NODE_OPTIONS outlives the extension in terminals that are already open, and a
// `--require` of a file that is gone (an updated or removed extension) would make every node
// command in that terminal fail. The bootloader's path is stable and it loads the register
// module only if it still exists.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import type { AttachMode } from '../../core/bridge/attachPolicy';
import type { BridgeSettings } from './bridgeSettings';

/** Quotes a path for NODE_OPTIONS (which splits on spaces and honours double quotes). */
export function nodeOptionsPath(path: string): string {
  return /[\s"\\]/.test(path) ? `"${path.replace(/(["\\])/g, '\\$1')}"` : path;
}

export function bootloaderSource(registerModule: string): string {
  return [
    '// Written by the Flake Doctor extension (auto-attach). Loads its bridge register module when',
    '// the extension is still installed; does nothing otherwise, so a terminal opened before an',
    '// update or removal keeps working.',
    `try { require(${JSON.stringify(registerModule)}); } catch (err) {`,
    "  if (process.env.FLAKE_DOCTOR_DEBUG) process.stderr.write('[flake-doctor] auto-attach not loaded: ' + err.message + '\\n');",
    '}',
    '',
  ].join('\n');
}

export function writeBootloader(storageDir: string, registerModule: string): string {
  mkdirSync(storageDir, { recursive: true });
  const path = join(storageDir, 'flake-doctor-bootloader.cjs');
  writeFileSync(path, bootloaderSource(registerModule));
  return path;
}

export const MODE_TITLE: Record<AttachMode, string> = { off: 'Off', smart: 'Smart', always: 'Always' };

/** Applies the mode to the terminals' environment (new terminals; VS Code marks open ones stale). */
export function applyAutoAttach(collection: vscode.GlobalEnvironmentVariableCollection, settings: BridgeSettings, bootloader: string, bridgeDir: string): void {
  collection.clear();
  if (settings.autoAttach === 'off') return;
  collection.persistent = false;
  collection.description = `Flake Doctor auto-attach (${MODE_TITLE[settings.autoAttach]}): test processes started here show in its views`;
  collection.prepend('NODE_OPTIONS', `--require ${nodeOptionsPath(bootloader)} `);
  collection.replace('FLAKE_DOCTOR_BRIDGE_MODE', settings.autoAttach);
  collection.replace('FLAKE_DOCTOR_BRIDGE_DIR', bridgeDir);
  collection.replace('FLAKE_DOCTOR_STALL_MS', String(settings.stallThresholdMs));
}
