import { parseAttachMode, type AttachMode } from '../../bridge/attachPolicy';
import { SettingsReader, type SettingGetter } from './settingsReader';

/**
 * `flakeDoctor.bridge.*` settings, validated (no `vscode` import). An invalid value is
 * reported and replaced by its default.
 */
export interface BridgeSettings {
  /** Which processes started from VS Code's terminals publish over the bridge. */
  autoAttach: AttachMode;
  /** In attached processes, an HTTP call older than this is stalled (FLAKE_DOCTOR_STALL_MS). */
  stallThresholdMs: number;
}

export const BRIDGE_DEFAULTS: BridgeSettings = { autoAttach: 'smart', stallThresholdMs: 10_000 };
export const STALL_BOUNDS = { min: 100, max: 3_600_000 } as const;

export function readBridgeSettings(get: SettingGetter): { settings: BridgeSettings; errors: string[] } {
  const r = new SettingsReader('flakeDoctor.bridge', get);
  let autoAttach = BRIDGE_DEFAULTS.autoAttach;
  const raw = r.raw('autoAttach');
  if (raw !== undefined) {
    const mode = typeof raw === 'string' ? parseAttachMode(raw) : null;
    if (mode) autoAttach = mode;
    else r.report(`${r.key('autoAttach')} must be "off", "smart" or "always" (got ${JSON.stringify(raw)}); using ${BRIDGE_DEFAULTS.autoAttach}`);
  }
  const stallThresholdMs = r.int('stallThresholdMs', BRIDGE_DEFAULTS.stallThresholdMs, STALL_BOUNDS.min, STALL_BOUNDS.max, { unit: 'ms' });
  return { settings: { autoAttach, stallThresholdMs }, errors: r.errors };
}
