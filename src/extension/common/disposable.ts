import type * as vscode from 'vscode';

/** Owns what it creates: everything passed to `_register` is disposed with it, in reverse order. */
export abstract class Disposable implements vscode.Disposable {
  private readonly owned: vscode.Disposable[] = [];
  private disposed = false;

  protected _register<T extends vscode.Disposable>(value: T): T {
    if (this.disposed) value.dispose();
    else this.owned.push(value);
    return value;
  }

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.owned.splice(0).reverse()) d.dispose();
  }
}

/** Listens to a Node EventEmitter and returns the Disposable that stops listening. */
export function subscribe<A extends unknown[]>(
  emitter: { on(event: string, fn: (...args: A) => void): unknown; off(event: string, fn: (...args: A) => void): unknown },
  event: string,
  fn: (...args: A) => void,
): vscode.Disposable {
  emitter.on(event, fn);
  return { dispose: () => void emitter.off(event, fn) };
}

/** A Node EventEmitter's event as a VS Code-style event (for APIs that take those). */
export function eventOf(emitter: Parameters<typeof subscribe>[0], event: string): (listener: () => void) => vscode.Disposable {
  return (listener) => subscribe(emitter, event, () => listener());
}
