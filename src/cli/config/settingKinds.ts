// Every `flakeDoctor.*` setting the extension contributes, with the JSON type a flag's text
// is converted to. The bounds and defaults themselves live in the setting readers the
// extension uses (one validation for editor and CI); a unit test checks this table against
// package.json's contributes.configuration so a new setting cannot be forgotten here.

export type SettingKind = 'integer' | 'boolean' | 'string' | 'integer[]' | 'string[]';

export const SETTING_AREAS = ['loopback', 'locks', 'sessions', 'calls', 'bridge', 'statusBar'] as const;
export type SettingArea = (typeof SETTING_AREAS)[number];

export const SETTING_KINDS: Record<SettingArea, Record<string, SettingKind>> = {
  loopback: {
    start: 'integer',
    count: 'integer',
    probePorts: 'integer[]',
    poolFiles: 'string[]',
    foreignPoolFiles: 'string[]',
    originStart: 'integer',
    connectProbe: 'boolean',
    minScanIntervalMs: 'integer',
    breakGraceMs: 'integer',
  },
  locks: { patterns: 'string[]', paths: 'string[]', staleMs: 'integer', mutexStaleMs: 'integer' },
  sessions: {
    autostart: 'boolean',
    host: 'string',
    allowNonLoopback: 'boolean',
    port: 'integer',
    token: 'string',
    writeTimeoutMs: 'integer',
    heartbeatIntervalMs: 'integer',
    readTimeoutMs: 'integer',
    queueLimit: 'integer',
    closeDrainMs: 'integer',
    handshakeTimeoutMs: 'integer',
    profile: 'string',
    backlogWarningBytes: 'integer',
  },
  calls: {
    brokerUrl: 'string',
    autostart: 'boolean',
    controlPlaneTimeoutMs: 'integer',
    longPollTimeoutMs: 'integer',
    stallThresholdMs: 'integer',
    trackProcessCalls: 'boolean',
  },
  // Auto-attach is the editor's; the CLI validates these so one settings file serves both.
  bridge: { autoAttach: 'string', stallThresholdMs: 'integer' },
  // The editor's status-bar item only: known here so one settings file serves both without a typo warning.
  statusBar: { showWhenClear: 'boolean' },
};

/** `loopback.start` → its area and name, or null for a name that is not a setting. */
export function settingOf(flagName: string): { area: SettingArea; name: string; kind: SettingKind } | null {
  const dot = flagName.indexOf('.');
  if (dot === -1) return null;
  const area = flagName.slice(0, dot) as SettingArea;
  const name = flagName.slice(dot + 1);
  const kind = SETTING_AREAS.includes(area) ? SETTING_KINDS[area][name] : undefined;
  return kind ? { area, name, kind } : null;
}

const INTEGER = /^-?\d+$/;

/**
 * A flag's text as the JSON value settings.json would hold. Text that does not fit the kind
 * is passed on unchanged, so the setting's reader rejects it with its own accepted range.
 */
export function flagValue(kind: SettingKind, text: string): unknown {
  const trimmed = text.trim();
  switch (kind) {
    case 'integer':
      return INTEGER.test(trimmed) ? Number(trimmed) : text;
    case 'boolean':
      return trimmed === 'true' ? true : trimmed === 'false' ? false : text;
    case 'string':
      return text;
    case 'integer[]':
      return trimmed === '' ? [] : trimmed.split(',').map((p) => (INTEGER.test(p.trim()) ? Number(p.trim()) : p.trim()));
    case 'string[]':
      return trimmed === '' ? [] : trimmed.split(',').map((p) => p.trim());
  }
}
