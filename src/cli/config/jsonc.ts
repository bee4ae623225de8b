// JSON with comments, as VS Code writes `.vscode/settings.json`: `//` and `/* */` comments
// and trailing commas are allowed. Comments and trailing commas are blanked out (keeping
// every other character, so JSON.parse's positions still point into the original text),
// then the rest is strict JSON.

export class JsoncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsoncError';
  }
}

/** Replaces comments and trailing commas with spaces; strings are left untouched. */
export function blankCommentsAndTrailingCommas(text: string): string {
  const out = text.split('');
  let i = 0;
  const n = text.length;
  // Index of the last comma seen outside strings, while only whitespace/comments follow it.
  let pendingComma = -1;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      pendingComma = -1;
      i++;
      while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') out[i++] = ' ';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) throw new JsoncError(`unterminated /* comment at offset ${i}`);
      for (; i < end + 2; i++) if (out[i] !== '\n') out[i] = ' ';
    } else if (c === ',') {
      pendingComma = i++;
    } else if (c === '}' || c === ']') {
      if (pendingComma !== -1) out[pendingComma] = ' ';
      pendingComma = -1;
      i++;
    } else {
      if (!/\s/.test(c)) pendingComma = -1;
      i++;
    }
  }
  return out.join('');
}

/** Line and column (1-based) of a character offset, for error messages. */
function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

export function parseJsonc(text: string): unknown {
  const stripped = blankCommentsAndTrailingCommas(text.replace(/^\uFEFF/, ' '));
  if (stripped.trim() === '') return {};
  try {
    return JSON.parse(stripped);
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    throw new JsoncError(
      m ? `${(err as Error).message.replace(/ in JSON at position \d+.*$/, '')} at ${position(text, Number(m[1]))}` : (err as Error).message,
    );
  }
}
