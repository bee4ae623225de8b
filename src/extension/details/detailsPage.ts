// The text of a details document: a subject's facts as Markdown, the same facts its tooltip
// shows (one renderer per row, so the two never disagree), then the latest report an action
// gave about it, then its raw snapshot. No `vscode` import: tested without VS Code.

/** What a view knows about one subject now. */
export interface DetailsPage {
  /** The tab's title: the subject as the row names it. */
  name: string;
  /** The heading: "127.0.0.5: conflict". */
  title: string;
  /** Which view lists it: "Loopback Addresses". */
  view: string;
  /** The tooltip's Markdown (codicons such as `$(warning)` are turned into text). */
  markdown: string;
  /** The row's snapshot as the core published it, for every fact the tooltip leaves out. */
  raw?: unknown;
}

/** A report an action gave about the subject (Probe's per-port lines, …): "Show Details" on its notification. */
export interface DetailsReport {
  title: string;
  text: string;
  at: number;
}

/** Renders a view's subject at `now`; null when the view no longer lists it. */
export type DetailsSource = (subject: string, now: number) => DetailsPage | null;

const CODICON_WORDS: Record<string, string> = { warning: '⚠', error: '⛔', info: 'ℹ', check: '✓' };

/** Codicons render in tooltips only; in a document they become a sign or nothing. */
export function withoutCodicons(markdown: string): string {
  return markdown.replace(/\$\(([a-z-]+)(?:~[a-z]+)?\)\s?/g, (_m, name: string) => (CODICON_WORDS[name] ? `${CODICON_WORDS[name]} ` : ''));
}

function clock(at: number): string {
  return new Date(at).toTimeString().slice(0, 8);
}

/** Fenced so that no content can close the fence early. */
function fenced(text: string, lang: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

export interface DocumentInput {
  /** The page now, or null when the subject is gone. */
  page: DetailsPage | null;
  /** The last page seen while it was listed (shown, marked, once it is gone). */
  lastSeen: { page: DetailsPage; at: number } | null;
  report: DetailsReport | null;
  subject: string;
  now: number;
}

/**
 * The document. Its ages are as of `now`, which its second line states: the document is
 * redrawn when the facts change, not as time passes (see DetailsBook).
 */
export function detailsDocument({ page, lastSeen, report, subject, now }: DocumentInput): string {
  const parts: string[] = [];
  const shown = page ?? lastSeen?.page ?? null;
  if (shown) {
    parts.push(`# ${shown.title}`);
    parts.push(
      page
        ? `_${shown.view} · as of ${clock(now)} · updates while open · read-only_`
        : `_No longer listed in ${shown.view} (as of ${clock(now)}). The facts below are the last seen, at ${clock(lastSeen!.at)}._`,
    );
    parts.push(withoutCodicons(shown.markdown).trim());
  } else if (!report) {
    parts.push(`# ${subject}`, `_Not listed in any Flake Doctor view (as of ${clock(now)})._`);
  }
  if (report) {
    parts.push(`## ${shown ? 'Last report: ' : ''}${report.title}`, `_${clock(report.at)}_`, fenced(report.text, 'text'));
  }
  if (shown?.raw !== undefined) parts.push('## Snapshot', fenced(JSON.stringify(shown.raw, null, 2), 'json'));
  return `${parts.join('\n\n')}\n`;
}
