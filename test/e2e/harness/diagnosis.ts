import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a failed end-to-end step saw, carried in the failure's own message. CI shows only the
 * tail of a run's output, where the failure message is; the screenshot and code-server's log
 * printed by `afterEach` come earlier and are cut.
 */
export async function withDiagnosis<T>(step: Promise<T>, describe: () => Promise<string>): Promise<T> {
  try {
    return await step;
  } catch (err) {
    let seen: string;
    try {
      seen = await describe();
    } catch (describeErr) {
      seen = `(could not describe it: ${(describeErr as Error).message})`;
    }
    throw new Error(`${(err as Error).message}\n--- what the step saw ---\n${seen}`, { cause: err });
  }
}

/** The last `lines` lines of a text, each cut to 200 characters. */
export function tail(text: string, lines: number): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-lines)
    .map((l) => (l.length > 200 ? `${l.slice(0, 200)}…` : l))
    .join('\n');
}

function findFiles(dir: string, match: (name: string) => boolean, found: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return found;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      if (statSync(path).isDirectory()) findFiles(path, match, found);
      else if (match(name)) found.push(path);
    } catch {
      // removed while we looked
    }
  }
  return found;
}

/** The extension's own log (its "Flake Doctor" output channel) in a code-server user-data directory. */
export function extensionLog(userData: string): string {
  const files = findFiles(join(userData, 'logs'), (name) => name.includes('Flake Doctor'));
  return files.map((f) => readFileSync(f, 'utf8')).join('\n') || '(no Flake Doctor log file found)';
}

/** A directory's entries, or why it cannot be listed. */
export function listing(dir: string): string {
  try {
    const names = readdirSync(dir);
    return names.length ? names.join(' ') : '(empty)';
  } catch (err) {
    return `(${(err as Error).message})`;
  }
}
