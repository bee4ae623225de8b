// The open details documents and what to redraw when a view changes. No `vscode` import: the
// provider (detailsProvider.ts) feeds it VS Code's events; tests feed it a clock and sources.

import { detailsDocument, type DetailsPage, type DetailsReport, type DetailsSource } from './detailsPage';
import { refKey, type DetailsKind, type DetailsRef } from './detailsRef';

interface OpenDocument {
  ref: DetailsRef;
  /** The clock the shown text was rendered at (its "as of"). */
  at: number;
  text: string;
  lastSeen: { page: DetailsPage; at: number } | null;
}

/**
 * Renders each open document from its view's source and, when the view signals a change,
 * tells which open documents now read differently. The comparison renders again at the shown
 * text's own "as of" time, so ages that merely grew do not count as a change: a document is
 * redrawn when a fact changes, never as a clock ticks — and nothing is rendered at all for a
 * kind no open document shows.
 */
export class DetailsBook {
  private readonly sources = new Map<DetailsKind, DetailsSource>();
  private readonly docs = new Map<string, OpenDocument>();
  private readonly reports = new Map<string, DetailsReport>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The view that renders `kind`; returns the function that removes it. */
  setSource(kind: DetailsKind, source: DetailsSource): () => void {
    this.sources.set(kind, source);
    return () => {
      if (this.sources.get(kind) === source) this.sources.delete(kind);
    };
  }

  /** The subject's page now (for a new tab's title), or null if its view does not list it. */
  page(ref: DetailsRef): DetailsPage | null {
    return this.sources.get(ref.kind)?.(ref.subject, this.now()) ?? null;
  }

  /** Keeps an action's report with the subject, shown in its document until the next one. */
  addReport(ref: DetailsRef, report: DetailsReport): void {
    this.reports.set(refKey(ref), report);
  }

  /** The document's text now; from here on the document counts as open. */
  content(ref: DetailsRef): string {
    const key = refKey(ref);
    const at = this.now();
    const previous = this.docs.get(key);
    const page = this.page(ref);
    const lastSeen = page ? { page, at } : (previous?.lastSeen ?? null);
    const text = this.render(ref, page, lastSeen, at);
    this.docs.set(key, { ref, at, text, lastSeen });
    return text;
  }

  private render(ref: DetailsRef, page: DetailsPage | null, lastSeen: OpenDocument['lastSeen'], at: number): string {
    return detailsDocument({ page, lastSeen, report: this.reports.get(refKey(ref)) ?? null, subject: ref.subject, now: at });
  }

  /** Whether a document of `kind` is open (a view may then keep its facts current while hidden). */
  hasOpen(kind: DetailsKind): boolean {
    for (const d of this.docs.values()) if (d.ref.kind === kind) return true;
    return false;
  }

  /** After a change signal from `kind`'s view: the open documents whose facts now differ. */
  changed(kind: DetailsKind): DetailsRef[] {
    const out: DetailsRef[] = [];
    for (const d of this.docs.values()) {
      if (d.ref.kind !== kind) continue;
      const page = this.sources.get(kind)?.(d.ref.subject, d.at) ?? null;
      const text = this.render(d.ref, page, page ? { page, at: d.at } : d.lastSeen, d.at);
      if (text !== d.text) out.push(d.ref);
    }
    return out;
  }

  /** VS Code closed the document: forget it and its report. */
  close(ref: DetailsRef): void {
    this.docs.delete(refKey(ref));
    this.reports.delete(refKey(ref));
  }
}
