import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { AuxFileItem } from '../auxFileItem';
import { resolveLock, type LockCommandContext } from './pickLock';
import { REVEAL_LOCK_FILE_COMMAND } from './commandIds';

export { REVEAL_LOCK_FILE_COMMAND };

/**
 * Opens the lock file (or the clicked `.mutex`/`.reclaim`) in a preview editor. Opening, not
 * `revealFileInOS`: that needs a desktop, and VS Code in a browser (code-server) has none. A
 * lock that is free has no file, so its folder is revealed in the Explorer instead when it is
 * in the workspace.
 */
export async function revealLockFileCommand(ctx: LockCommandContext, arg: unknown): Promise<void> {
  const snapshot = await resolveLock(ctx, arg, 'Lock file to open');
  if (!snapshot) return;
  const path = arg instanceof AuxFileItem ? arg.aux.path : snapshot.lockPath;
  if (existsSync(path)) {
    await vscode.window.showTextDocument(vscode.Uri.file(path), { preview: true, preserveFocus: false });
    return;
  }
  const label = ctx.label(snapshot.lockPath);
  const folder = vscode.Uri.file(dirname(path));
  if (vscode.workspace.getWorkspaceFolder(folder) && existsSync(folder.fsPath)) {
    await vscode.commands.executeCommand('revealInExplorer', folder);
    ctx.host.info(`Flake Doctor: ${label} is free: there is no lock file to open; its folder is shown in the Explorer.`);
  } else {
    ctx.host.info(`Flake Doctor: ${label} is free: there is no lock file to open.`);
  }
}
