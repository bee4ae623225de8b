import * as vscode from 'vscode';
import type { Log } from '../common/log';
import type { Host } from './host';

export type CommandHandler = (...args: unknown[]) => Promise<void>;

/**
 * Registers a command whose failure is logged (with its stack) and shown to the user,
 * rather than surfacing as an unhandled rejection that VS Code reports without context.
 */
export function registerSafeCommand(id: string, handler: CommandHandler, host: Host, log: Log): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      await handler(...args);
    } catch (err) {
      log.error((err as Error).stack ?? String(err));
      host.error(`Flake Doctor: ${(err as Error).message}`);
    }
  });
}

/**
 * Keybindings (and the palette) pass no row: a command then acts on the row selected in its
 * view, if any — the confirmation of a destructive one still names it — and asks otherwise.
 */
export function orSelection(view: { readonly selection: readonly unknown[] }, arg: unknown): unknown {
  return arg ?? view.selection[0];
}

/**
 * The value the user set for `key` (folder, then workspace, then user settings), or
 * `undefined`: the settings readers validate only what was set and own their defaults.
 */
export function userSetValue(config: vscode.WorkspaceConfiguration, key: string): unknown {
  const inspected = config.inspect(key);
  return inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
}

/** Invalid settings are shown and logged once each; the reader has already replaced them by defaults. */
export function reportSettingErrors(errors: readonly string[], host: Host, log: Log): void {
  for (const e of errors) {
    log.warn(e);
    host.warn(`Flake Doctor: ${e}`);
  }
}
