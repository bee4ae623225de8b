import * as vscode from 'vscode';
import type { Host } from './host';
import type { Log } from './log';

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

/** A view's commands, by id, each registered with `registerSafeCommand`; one Disposable for all. */
export function registerSafeCommands(handlers: Readonly<Record<string, CommandHandler>>, host: Host, log: Log): vscode.Disposable {
  return vscode.Disposable.from(...Object.entries(handlers).map(([id, handler]) => registerSafeCommand(id, handler, host, log)));
}

/**
 * Keybindings (and the palette) pass no row: a command then acts on the row selected in its
 * view, if any — the confirmation of a destructive one still names it — and asks otherwise.
 */
export function orSelection(view: { readonly selection: readonly unknown[] }, arg: unknown): unknown {
  return arg ?? view.selection[0];
}
