// The Host seam without `vscode`, so commands that take a Host are unit-tested with a fake.

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

/** Destructive commands refuse in untrusted workspaces even if invoked directly (menus already hide them). */
export function requireTrust(host: Host, what: string): boolean {
  if (host.isTrusted()) return true;
  host.warn(`Flake Doctor: "${what}" is disabled in untrusted workspaces. Trust this workspace to use it.`);
  return false;
}
