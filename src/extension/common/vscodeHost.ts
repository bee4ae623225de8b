import * as vscode from 'vscode';

import { SHOW_DETAILS_COMMAND } from '../details/commandIds';
import type { DetailsRef } from '../details/detailsRef';
import type { Host, NotificationDetails } from './host';

const SHOW_DETAILS = 'Show Details';

type Show = (message: string, ...items: string[]) => Thenable<string | undefined>;

/** Opens a report in its subject's details document (DetailsProvider), or in one of its own. */
function openReport(title: string, details: NotificationDetails): void {
  const ref: DetailsRef = typeof details === 'string' ? { kind: 'report', subject: title } : details.subject;
  const text = typeof details === 'string' ? details : details.text;
  void vscode.commands.executeCommand(SHOW_DETAILS_COMMAND, ref, { title, text });
}

/**
 * A toast says the distinguishing fact; VS Code clips long ones. With details, "Show Details"
 * opens them in a read-only document (which wraps, can be copied, and blocks nothing).
 */
function notify(show: Show, message: string, details?: NotificationDetails): void {
  if (!details) {
    void show(message);
    return;
  }
  void Promise.resolve(show(message, SHOW_DETAILS)).then((answer) => {
    if (answer === SHOW_DETAILS) openReport(message, details);
  });
}

export const vscodeHost: Host = {
  isTrusted: () => vscode.workspace.isTrusted,
  async confirm(message, detail, action) {
    const answer = await vscode.window.showWarningMessage(message, { modal: true, detail }, action);
    return answer === action;
  },
  async ask(message, detail, actions) {
    // VS Code focuses the first button of a modal: callers put the safe choice first.
    return vscode.window.showWarningMessage(message, { modal: true, detail }, ...actions);
  },
  info: (m, d) => notify(vscode.window.showInformationMessage, m, d),
  warn: (m, d) => notify(vscode.window.showWarningMessage, m, d),
  error: (m, d) => notify(vscode.window.showErrorMessage, m, d),
  showDetails: (title, details) => openReport(title, details),
  async pick(items, options) {
    const picked = await vscode.window.showQuickPick(
      items.map((i) => ({ label: i.label, description: i.description, detail: i.detail, item: i })),
      { placeHolder: options.placeHolder, title: options.title, matchOnDescription: true, matchOnDetail: true },
    );
    return picked?.item.value;
  },
  copy: async (text) => {
    await vscode.env.clipboard.writeText(text);
  },
  withProgress: (title, task) =>
    Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: false }, () => task())),
};
