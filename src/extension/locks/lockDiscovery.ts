import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { companionPaths } from './lockFileWatcher';

/** Cap per search, so a pattern that matches a whole tree cannot flood the view. */
const MAX_RESULTS = 500;

/** A pattern's companions: `p.mutex`, `p.mutex.reclaim` (an orphaned mutex of a free lock is still found). */
function withCompanions(patterns: readonly string[]): string[] {
  return [...new Set(patterns.flatMap((p) => companionPaths(p)))];
}

/**
 * Finds lock files in the workspace folders with VS Code's own search (which honours
 * `files.exclude` and needs no glob library), and reports files matching the patterns being
 * created through VS Code's workspace watcher, which already watches the folders
 * recursively: a second recursive chokidar watch over a large workspace would cost far more.
 * Changes to a known lock and its companions come from chokidar (LockFileWatcher), not from here.
 */
export class WorkspaceLockDiscovery extends Disposable {
  private watchers: vscode.FileSystemWatcher[] = [];

  constructor(private readonly onDidCreate: (path: string) => void) {
    super();
    this._register({ dispose: () => this.disposeWatchers() });
  }

  find = async (patterns: readonly string[]): Promise<string[]> => {
    if (!vscode.workspace.workspaceFolders?.length) return [];
    const found = await Promise.all(withCompanions(patterns).map((p) => vscode.workspace.findFiles(p, undefined, MAX_RESULTS)));
    return found.flat().map((uri) => uri.fsPath);
  };

  /** Watches the patterns (and their companions) in every workspace folder. */
  watch(patterns: readonly string[]): void {
    this.disposeWatchers();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      for (const pattern of withCompanions(patterns)) {
        // Content changes and deletions are chokidar's job (a known lock stays listed when
        // its file goes); only files appearing where no lock was known matter here.
        const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, pattern), false, true, true);
        watcher.onDidCreate((uri) => this.onDidCreate(uri.fsPath));
        this.watchers.push(watcher);
      }
    }
  }

  private disposeWatchers(): void {
    for (const w of this.watchers.splice(0)) w.dispose();
  }
}
