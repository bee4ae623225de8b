import * as vscode from 'vscode';

/**
 * One `when`-clause context key (title buttons, menus, welcome texts). A view renders often;
 * the key is sent to VS Code only when its value changes.
 */
export class ContextKey<T extends string | number | boolean> {
  private value: T | undefined;

  constructor(readonly name: string) {}

  set(value: T): void {
    if (value === this.value) return;
    this.value = value;
    void vscode.commands.executeCommand('setContext', this.name, value);
  }
}
