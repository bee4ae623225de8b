// Which subject a details document shows, and the URI it lives at. No `vscode` import: the
// URI is built from plain path and query strings (the provider wraps them in a vscode.Uri).

/** The virtual documents' URI scheme (read-only: no file system provider writes it). */
export const DETAILS_SCHEME = 'flake-doctor-details';

/** What a document is about: one kind per kind of row (an attached process's row is `attached`, a report with no row is `report`). */
export type DetailsKind = 'address' | 'lock' | 'session' | 'call' | 'attached' | 'report';

const KINDS: readonly DetailsKind[] = ['address', 'lock', 'session', 'call', 'attached', 'report'];

/** One subject: an address, a lock path, a session or call id, an attached row's id. */
export interface DetailsRef {
  kind: DetailsKind;
  subject: string;
}

/** The key a subject's document is known by (one document, one tab, per subject). */
export function refKey(ref: DetailsRef): string {
  return `${ref.kind}\n${ref.subject}`;
}

/**
 * The path and query of a subject's document. The path ends in the tab's title (`name`, with
 * slashes that would split it turned into look-alikes) and `.md`, which sets the language
 * mode; the subject itself travels in the query, so a title never has to be parsed back.
 */
export function detailsLocation(ref: DetailsRef, name: string): { path: string; query: string } {
  const title =
    name
      .replace(/[/\\]/g, '∕')
      .replace(/[\r\n]+/g, ' ')
      .slice(0, 120) || ref.kind;
  return { path: `/${ref.kind}/${title}.md`, query: encodeURIComponent(ref.subject) };
}

/** The subject of a document's path and query; null for anything this extension did not make. */
export function parseDetailsLocation(path: string, query: string): DetailsRef | null {
  const kind = /^\/([a-z]+)\//.exec(path)?.[1] as DetailsKind | undefined;
  if (!kind || !KINDS.includes(kind) || query === '') return null;
  try {
    return { kind, subject: decodeURIComponent(query) };
  } catch {
    return null;
  }
}
