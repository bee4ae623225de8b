/**
 * Every command of every view has one signature: `(arg?: unknown)`, where `arg` is the clicked
 * row (menus pass the row) or its subject as a string (the problem list, keybindings with an
 * argument, other extensions); no argument means "ask" (palette). Rows carry their subject —
 * an address, a lock path, a session or call id — so resolving it needs no `vscode` and the
 * commands are unit-tested with a fake Host.
 */
export interface HasSubject {
  readonly subject: string;
}

export function subjectOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg !== null && typeof arg === 'object' && typeof (arg as Partial<HasSubject>).subject === 'string') return (arg as HasSubject).subject;
  return undefined;
}
