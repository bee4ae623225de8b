import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * A path as a user writes it in settings, made absolute: `${tmpdir}`, `${userHome}`,
 * `${workspaceFolder}` and `~` expanded, a relative path resolved against the first workspace
 * folder (or the working directory, for the CLI outside a workspace). Shared by every settings
 * reader that takes paths, so one setting means the same file in the editor and in CI.
 */
export function expandPath(raw: string, folders: readonly string[]): string {
  let path = raw.replace(/\$\{tmpdir\}/g, tmpdir()).replace(/\$\{userHome\}/g, homedir());
  if (path.includes('${workspaceFolder}')) path = path.replace(/\$\{workspaceFolder\}/g, folders[0] ?? process.cwd());
  if (path === '~' || path.startsWith('~/')) path = join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(folders[0] ?? process.cwd(), path);
}
