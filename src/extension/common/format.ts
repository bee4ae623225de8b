/** Short human durations for tree descriptions: "850 ms", "12 s", "4 min", "3 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${Math.round(abs / 1000)} s`;
  if (abs < 3_600_000) return `${sign}${Math.round(abs / 60_000)} min`;
  return `${sign}${Math.round(abs / 3_600_000)} h`;
}

/** Markdown-safe inline code for command lines and paths in tooltips. */
export function inlineCode(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${text.replace(/\n/g, ' ')}${fence}`;
}

/**
 * Shortens a command line (or path) from the left, so its end — the script and its arguments,
 * what tells two processes apart — stays readable: "…/test/api.test.ts --shard 2".
 */
export function shortenLeft(text: string, max: number): string {
  const flat = text.replace(/\n/g, ' ');
  return flat.length <= max ? flat : `…${flat.slice(flat.length - max + 1)}`;
}

export function truncate(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Ages for tooltips: to the second. */
export function formatAge(ms: number): string {
  return ms < 1000 ? '<1 s' : formatDuration(ms);
}

/**
 * Ages for row descriptions, in 10-second steps under a minute and whole minutes (rounded
 * down) under an hour: every change of a row's text redraws it, and a redraw closes a tooltip
 * someone is reading (see HoverHold). The tooltip has the exact age.
 */
export function coarseAge(ms: number): string {
  if (ms < 10_000) return '<10 s';
  if (ms < 60_000) return `${Math.floor(ms / 10_000) * 10} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min`;
  return formatDuration(ms);
}
