import * as vscode from 'vscode';
import type { SettingGetter } from '../../core/doctor/settings/settingsReader';
import type { Host } from './host';
import type { Log } from './log';

/**
 * The value the user set for `key` (folder, then workspace, then user settings), or
 * `undefined`: the settings readers validate only what was set and own their defaults.
 */
function userSetValue(config: vscode.WorkspaceConfiguration, key: string): unknown {
  const inspected = config.inspect(key);
  return inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
}

/** Invalid settings are shown and logged once each; the reader has already replaced them by defaults. */
function reportSettingErrors(errors: readonly string[], host: Host, log: Log): void {
  for (const e of errors) {
    log.warn(e);
    host.warn(`Flake Doctor: ${e}`);
  }
}

/**
 * Reads one settings section (`flakeDoctor.locks`) with its core reader, reports what was
 * invalid and returns the settings. `userOnlyKeys` are taken from the user's own settings
 * only: what a workspace must not decide for the user (exposing the relay, or, in an
 * untrusted folder, which files the view reads).
 */
export function readSettingsSection<S>(
  section: string,
  read: (get: SettingGetter) => { settings: S; errors: readonly string[] },
  host: Host,
  log: Log,
  userOnlyKeys: readonly string[] = [],
): S {
  const config = vscode.workspace.getConfiguration(section);
  const { settings, errors } = read((key) => (userOnlyKeys.includes(key) ? config.inspect(key)?.globalValue : userSetValue(config, key)));
  reportSettingErrors(errors, host, log);
  return settings;
}

/** Calls `fn` whenever a setting in `section` changes. */
export function onSettingsChange(section: string, fn: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(section)) fn();
  });
}
