// One configuration for editor and CI: the `flakeDoctor.*` settings from `.vscode/settings.json`,
// each overridable by a `--<area>.<name>` flag, validated by the very readers the extension
// uses (same defaults, same bounds). Where the extension reports an invalid value and falls
// back to the default, the CLI refuses to run: a CI job must not silently diagnose the wrong
// pool. Messages name the flag (or the settings file) that carried the bad value.

import { readFileSync } from 'node:fs';
import { readBridgeSettings } from '../../core/doctor/settings/bridgeSettings';
import { readCallsSettings } from '../../core/doctor/settings/callsSettings';
import { readLocksSettings } from '../../core/doctor/settings/locksSettings';
import { readLoopbackSettings } from '../../core/doctor/settings/loopbackSettings';
import { readSessionsSettings } from '../../core/doctor/settings/sessionsSettings';
import type { DoctorConfig } from '../../core/doctor/config';
import { parseJsonc } from './jsonc';
import { flagValue, SETTING_AREAS, settingOf, type SettingArea } from './settingKinds';

export class ConfigError extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join('\n'));
    this.name = 'ConfigError';
  }
}

export interface SettingsSources {
  /** Flat `flakeDoctor.<area>.<name>` keys as in settings.json (other keys are ignored). */
  file: Record<string, unknown>;
  /** How to name the file in messages, e.g. `.vscode/settings.json`. */
  fileLabel: string;
  /** `area.name` → flag text. */
  flags: ReadonlyMap<string, string>;
}

/** Reads a settings file; a missing file is no settings, an unparseable one is an error. */
export function readSettingsFile(path: string, label = path): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError([`${label} cannot be read: ${(err as Error).message}`]);
  }
  let value: unknown;
  try {
    value = parseJsonc(text);
  } catch (err) {
    throw new ConfigError([`${label} is not valid JSON with comments: ${(err as Error).message}`]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError([`${label} must hold a JSON object`]);
  return value as Record<string, unknown>;
}

const RECOVERY = /(; (using|no broker is used|the relay starts)[^;]*|\. Ignored)$/;

/**
 * A reader's message, for the CLI: each setting it names is given as the flag that set it (or
 * marked as coming from the settings file), and the "using the default" tail is dropped,
 * since the CLI stops instead.
 */
export function cliMessage(message: string, sources: Pick<SettingsSources, 'flags' | 'fileLabel'>): string {
  let fromFile = false;
  let text = message.replace(RECOVERY, '');
  text = text.replace(/flakeDoctor\.([a-z]+)\.([A-Za-z]+)/g, (whole, area: string, name: string) => {
    if (sources.flags.has(`${area}.${name}`)) return `--${area}.${name}`;
    fromFile = true;
    return whole;
  });
  // The pool range check names the section, not a key.
  text = text.replace(/^flakeDoctor\.loopback:/, () => {
    const viaFlag = ['start', 'count'].filter((k) => sources.flags.has(`loopback.${k}`));
    if (viaFlag.length) return `${viaFlag.map((k) => `--loopback.${k}`).join(', ')}:`;
    fromFile = true;
    return 'flakeDoctor.loopback.start/count:';
  });
  return fromFile ? `${text} (in ${sources.fileLabel})` : text;
}

export function resolveDoctorConfig(sources: SettingsSources, context: { cwd: string; env?: NodeJS.ProcessEnv }): DoctorConfig {
  const getter =
    (area: SettingArea) =>
    (name: string): unknown => {
      const flag = sources.flags.get(`${area}.${name}`);
      if (flag !== undefined) {
        const setting = settingOf(`${area}.${name}`);
        return setting ? flagValue(setting.kind, flag) : flag;
      }
      return sources.file[`flakeDoctor.${area}.${name}`];
    };
  const folders = [context.cwd];
  const loopback = readLoopbackSettings(getter('loopback'), folders, context.env ?? process.env);
  const locks = readLocksSettings(getter('locks'), folders);
  const sessions = readSessionsSettings(getter('sessions'));
  const calls = readCallsSettings(getter('calls'));
  const bridge = readBridgeSettings(getter('bridge'));
  const errors = [...loopback.errors, ...locks.errors, ...sessions.errors, ...calls.errors, ...bridge.errors].map((m) => cliMessage(m, sources));
  // Keys that look like ours but name no setting are typos worth reporting (the editor greys them out).
  for (const key of Object.keys(sources.file)) {
    const m = /^flakeDoctor\.(.+)$/.exec(key);
    if (m && !settingOf(m[1])) errors.push(`${key} (in ${sources.fileLabel}) is not a Flake Doctor setting; known areas: ${SETTING_AREAS.join(', ')}`);
  }
  if (errors.length) throw new ConfigError(errors);
  return {
    loopback: { config: loopback.settings.config, poolFiles: loopback.settings.poolFiles },
    locks: { paths: locks.settings.paths, staleMs: locks.settings.staleMs, mutexStaleMs: locks.settings.mutexStaleMs },
    sessions: { backlogWarningBytes: sessions.settings.backlogWarningBytes },
    calls: { stallThresholdMs: calls.settings.stallThresholdMs },
  };
}
