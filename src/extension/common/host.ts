import * as vscode from 'vscode';

import type { Host } from './hostApi';

export { requireTrust, type Host } from './hostApi';

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
