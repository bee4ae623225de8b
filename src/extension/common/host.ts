import * as vscode from 'vscode';

/**
 * The parts of the VS Code window the commands use, behind one interface, so a command's
 * decisions (what it asks, what it refuses) read in one place and can be driven in tests.
 */
export interface Host {
  isTrusted(): boolean;
  confirm(message: string, detail: string, action: string): Promise<boolean>;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  withProgress<T>(title: string, task: () => Promise<T>): Promise<T>;
}

export const vscodeHost: Host = {
  isTrusted: () => vscode.workspace.isTrusted,
  async confirm(message, detail, action) {
    const answer = await vscode.window.showWarningMessage(message, { modal: true, detail }, action);
    return answer === action;
  },
  info: (m) => void vscode.window.showInformationMessage(m),
  warn: (m) => void vscode.window.showWarningMessage(m),
  error: (m) => void vscode.window.showErrorMessage(m),
  withProgress: (title, task) => Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: false }, () => task())),
};

/** Destructive commands refuse in untrusted workspaces even if invoked directly (menus already hide them). */
export function requireTrust(host: Host, what: string): boolean {
  if (host.isTrusted()) return true;
  host.warn(`Flake Doctor: "${what}" is disabled in untrusted workspaces. Trust this workspace to use it.`);
  return false;
}
