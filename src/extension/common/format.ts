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

export function truncate(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
