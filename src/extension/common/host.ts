// The Host seam, without `vscode`, so commands that take a Host are unit-tested with a fake.
// The real one is vscodeHost.ts.

import type { DetailsRef } from '../details/detailsRef';

/** One entry of a quick pick: what the user sees, and the value a pick returns. */
export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

/**
 * What a notification's "Show Details" opens: the report's full text in a read-only document —
 * the details document of the subject it is about (the one its row opens, the report added),
 * or, given only text, a document of its own. Never a modal.
 */
export type NotificationDetails = string | { subject: DetailsRef; text: string };

/**
 * The parts of the VS Code window the commands use, behind one interface, so a command's
 * decisions (what it asks, what it refuses) read in one place and can be driven in tests.
 */
export interface Host {
  isTrusted(): boolean;
  /** A modal with one action besides Cancel; true when the action was chosen. */
  confirm(message: string, detail: string, action: string): Promise<boolean>;
  /**
   * A modal with several actions besides Cancel. The first is the focused default (Enter picks
   * it), so a destructive choice is never first.
   */
  ask<A extends string>(message: string, detail: string, actions: readonly A[]): Promise<A | undefined>;
  /** Notifications; with `details`, the toast offers "Show Details" (the full text, unclipped, in a document). */
  info(message: string, details?: NotificationDetails): void;
  warn(message: string, details?: NotificationDetails): void;
  error(message: string, details?: NotificationDetails): void;
  /** Text in a read-only document titled `title` (not a modal: nothing blocks the window). */
  showDetails(title: string, details: string): void;
  pick<T>(items: readonly PickItem<T>[], options: { placeHolder: string; title?: string }): Promise<T | undefined>;
  copy(text: string): Promise<void>;
  withProgress<T>(title: string, task: () => Promise<T>): Promise<T>;
}

/** Destructive commands refuse in untrusted workspaces even if invoked directly (menus already hide them). */
export function requireTrust(host: Host, what: string): boolean {
  if (host.isTrusted()) return true;
  host.warn(`Flake Doctor: "${what}" is disabled in untrusted workspaces. Trust this workspace to use it.`);
  return false;
}
