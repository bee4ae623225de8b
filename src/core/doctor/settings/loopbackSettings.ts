import { DEFAULT_POOL_COUNT, DEFAULT_POOL_START, DEFAULT_PROBE_PORTS, isValidPort, rangeError, type PoolConfig } from '../../allocator/config';
import { DEFAULT_ORIGIN_START, originDefaultPoolFile } from '../../allocator/foreignPools';
import { defaultPoolFile } from '../../allocator/pool';
import { expandPath } from './expandPath';
import { SettingsReader, type SettingGetter } from './settingsReader';

/**
 * `flakeDoctor.loopback.*` settings, validated. No `vscode` import: the caller passes a
 * getter, so validation is unit-tested. An invalid value is reported and replaced by the
 * default; it is never used.
 */
export interface LoopbackSettings {
  config: PoolConfig;
  poolFiles: string[];
  /** Other pools' files shown (read only) with their holders; always ends with the origin helper's default file. */
  foreignPoolFiles: string[];
  /** Last octet of index 0 in origin-format files, which record no range. */
  originStart: number;
  minScanIntervalMs: number;
  breakGraceMs: number;
  connectProbe: boolean;
}

export type { SettingGetter };

export function readLoopbackSettings(
  get: SettingGetter,
  folders: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { settings: LoopbackSettings; errors: string[] } {
  const reader = new SettingsReader('flakeDoctor.loopback', get);
  const { errors } = reader;
  const int = (key: string, fallback: number, min: number, max: number) => reader.int(key, fallback, min, max);
  let start = int('start', DEFAULT_POOL_START, 1, 254);
  let count = int('count', DEFAULT_POOL_COUNT, 1, 254);
  const range = rangeError(start, count);
  if (range) {
    errors.push(`flakeDoctor.loopback: ${range}; using 127.0.0.${DEFAULT_POOL_START}–127.0.0.${DEFAULT_POOL_START + DEFAULT_POOL_COUNT - 1}`);
    start = DEFAULT_POOL_START;
    count = DEFAULT_POOL_COUNT;
  }

  let probePorts = [...DEFAULT_PROBE_PORTS];
  const rawPorts = get('probePorts');
  if (rawPorts !== undefined && rawPorts !== null) {
    if (Array.isArray(rawPorts) && rawPorts.length > 0 && rawPorts.every(isValidPort)) probePorts = [...new Set(rawPorts as number[])];
    else
      errors.push(
        `flakeDoctor.loopback.probePorts must be a non-empty list of ports 1–65535 (got ${JSON.stringify(rawPorts)}); using ${DEFAULT_PROBE_PORTS.join(', ')}`,
      );
  }

  // Empty (the default) means the library's own default pool file, so a fresh install shows
  // exactly the pool a LoopbackPool with default options uses.
  let poolFiles = [defaultPoolFile(env)];
  const rawFiles = get('poolFiles');
  if (rawFiles !== undefined && rawFiles !== null) {
    if (Array.isArray(rawFiles) && rawFiles.every((f) => typeof f === 'string' && f.trim() !== '')) {
      if (rawFiles.length > 0) poolFiles = [...new Set((rawFiles as string[]).map((f) => expandPath(f.trim(), folders)))];
    } else errors.push(`flakeDoctor.loopback.poolFiles must be a list of file paths (got ${JSON.stringify(rawFiles)}); using the default pool file`);
  }

  // Like LoopbackPool's default, the origin helper's own file is always honoured (and shown,
  // while it exists) besides the configured ones.
  let foreignPoolFiles: string[] = [];
  const rawForeign = get('foreignPoolFiles');
  if (rawForeign !== undefined && rawForeign !== null) {
    if (Array.isArray(rawForeign) && rawForeign.every((f) => typeof f === 'string' && f.trim() !== ''))
      foreignPoolFiles = (rawForeign as string[]).map((f) => expandPath(f.trim(), folders));
    else
      errors.push(
        `flakeDoctor.loopback.foreignPoolFiles must be a list of file paths (got ${JSON.stringify(rawForeign)}); using none besides the origin helper's default file`,
      );
  }
  foreignPoolFiles = [...new Set([...foreignPoolFiles, originDefaultPoolFile(env)])].filter((f) => !poolFiles.includes(f));

  return {
    settings: {
      config: { start, count, probePorts },
      poolFiles,
      foreignPoolFiles,
      originStart: int('originStart', DEFAULT_ORIGIN_START, 1, 254),
      // 1 s: a fault shows in the visible view within about 1 s plus one scan (issue 18 §4).
      minScanIntervalMs: int('minScanIntervalMs', 1000, 250, 600_000),
      breakGraceMs: int('breakGraceMs', 5000, 0, 60_000),
      connectProbe: reader.bool('connectProbe', true),
    },
    errors,
  };
}
