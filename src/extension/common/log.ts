import * as vscode from 'vscode';

/** The "Flake Doctor" log output channel: every action records what it did. */
export type Log = Pick<vscode.LogOutputChannel, 'info' | 'warn' | 'error' | 'debug' | 'show'>;

export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Flake Doctor', { log: true });
}
