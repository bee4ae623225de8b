// package.json is the one source of the extension's contributions (no per-view fragments).
// These tests catch drift between it and the code: command ids used in code but not
// contributed (or contributed but never registered), menus naming unknown commands, and
// setting defaults or bounds that differ from what the settings readers enforce.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBridgeSettings } from '../../src/core/doctor/settings/bridgeSettings';
import { readCallsSettings } from '../../src/core/doctor/settings/callsSettings';
import { readLocksSettings } from '../../src/core/doctor/settings/locksSettings';
import { readLoopbackSettings } from '../../src/core/doctor/settings/loopbackSettings';
import { readSessionsSettings } from '../../src/core/doctor/settings/sessionsSettings';
import type { SettingGetter } from '../../src/core/doctor/settings/settingsReader';
import { RELAY_DEFAULTS } from '../../src/core/relay/types';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const contributes = pkg.contributes;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}
const code = sources(join(ROOT, 'src', 'extension'))
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');

interface SettingSchema {
  type: string;
  default: unknown;
  minimum?: number;
  maximum?: number;
}
const settings: Record<string, SettingSchema> = Object.assign({}, ...contributes.configuration.map((s: { properties: object }) => s.properties));

describe('package.json contributions match the code', () => {
  const contributed = new Set<string>(contributes.commands.map((c: { command: string }) => c.command));

  it('every command id in the code is contributed, and every contributed command is in the code', () => {
    // Command ids are written once, as string literals (commandIds.ts, ATTACHED_ACTIONS, …).
    const inCode = new Set([...code.matchAll(/['"`](flakeDoctor\.(?:[a-zA-Z]+\.)?[a-zA-Z]+)['"`]/g)].map((m) => m[1]).filter(isCommandLiteral));
    expect(inCode.size).toBeGreaterThan(30);
    const missing = [...inCode].filter((id) => !contributed.has(id));
    expect(missing, 'command ids used in code but not in package.json').toEqual([]);
    const unused = [...contributed].filter((id) => !code.includes(`'${id}'`));
    expect(unused, 'commands in package.json no code registers').toEqual([]);
  });

  it('menus and keybindings name only contributed commands', () => {
    const named = [...Object.values(contributes.menus).flat(), ...contributes.keybindings].map((m) => (m as { command: string }).command);
    expect(named.filter((id) => !contributed.has(id))).toEqual([]);
  });

  it('every flakeDoctor context key a when clause reads is set by the code', () => {
    // A welcome text or button keyed on a value nothing sets would never (or always) show.
    const clauses: string[] = [];
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if ((key === 'when' || key === 'enablement') && typeof value === 'string') clauses.push(value);
          else collect(value);
        }
      }
    };
    collect(contributes);
    const keys = new Set(clauses.flatMap((w) => [...w.matchAll(/(?<![\w.])flakeDoctor\.[\w.]+/g)].map((m) => m[0])));
    expect(keys.size).toBeGreaterThan(5);
    expect([...keys].filter((key) => !code.includes(`'${key}'`))).toEqual([]);
  });

  it('a welcome text asks to turn a setting on only while it is off', () => {
    for (const welcome of contributes.viewsWelcome as Array<{ view: string; when?: string; contents: string }>) {
      for (const [, setting] of welcome.contents.matchAll(/turn on \[(flakeDoctor\.[\w.]+)\]/g)) {
        expect(welcome.when ?? '', `${welcome.view}: "turn on ${setting}"`).toContain(`!${setting}`);
      }
    }
  });

  it('settings are grouped by view, each under its own prefix', () => {
    for (const section of contributes.configuration as Array<{ id: string; properties: object }>) {
      for (const key of Object.keys(section.properties)) expect(key.startsWith(`${section.id}.`), `${key} in section ${section.id}`).toBe(true);
    }
  });
});

/** A literal is a command id when it is declared as one (…_COMMAND = '…' or `id: '…'`). */
function isCommandLiteral(id: string): boolean {
  return new RegExp(`(_COMMAND = |id: )'${id.replace(/\./g, '\\.')}'`).test(code);
}

type Reader = (get: SettingGetter) => { settings: object; errors: string[] };
const READERS: Record<string, Reader> = {
  loopback: (get) => readLoopbackSettings(get, [], {}),
  locks: (get) => readLocksSettings(get, []),
  sessions: readSessionsSettings,
  calls: readCallsSettings,
  bridge: readBridgeSettings,
};

/** The value a reader produced for `name` (loopback keeps its pool range under `config`, sessions the relay's options under `relay`). */
function valueOf(settings: object, name: string): unknown {
  const s = settings as Record<string, unknown> & { config?: Record<string, unknown>; relay?: Record<string, unknown> };
  return name in s ? s[name] : (s.config?.[name] ?? s.relay?.[name]);
}

/** Settings whose read value is not the raw default by design: 0 means "derive it"; a permission that is only consulted. */
const DERIVED = new Set(['flakeDoctor.calls.stallThresholdMs', 'flakeDoctor.sessions.allowNonLoopback']);

/** Settings checked together with another: the companion value lets the bound itself be tested. */
const COMPANIONS: Record<string, Record<string, unknown>> = {
  'flakeDoctor.loopback.start': { count: 1 }, // start + count - 1 ≤ 254
  'flakeDoctor.loopback.count': { start: 1 },
  'flakeDoctor.sessions.readTimeoutMs': { heartbeatIntervalMs: 0 }, // must exceed the heartbeat
  'flakeDoctor.sessions.heartbeatIntervalMs': { readTimeoutMs: 86_400_000 },
};

describe('settings readers enforce what package.json declares', () => {
  for (const [key, schema] of Object.entries(settings)) {
    const [, area, name] = key.split('.');
    const read = READERS[area];
    if (!read) continue;
    const readWith = (value: unknown) => read((k) => (k === name ? value : COMPANIONS[key]?.[k]));

    it(`${key}: default ${JSON.stringify(schema.default)}${schema.minimum !== undefined ? `, ${schema.minimum}–${schema.maximum}` : ''}`, () => {
      const { settings: defaults, errors } = read(() => undefined);
      expect(errors).toEqual([]);
      if (!DERIVED.has(key) && !(schema.type === 'array' && (schema.default as unknown[]).length === 0) && schema.type !== 'string') {
        expect(valueOf(defaults, name)).toEqual(schema.default);
      }
      if (schema.type !== 'integer') return;
      expect(readWith(schema.minimum).errors, `minimum ${schema.minimum} accepted`).toEqual([]);
      expect(readWith(schema.maximum).errors, `maximum ${schema.maximum} accepted`).toEqual([]);
      if (schema.minimum! > 0) expect(readWith(schema.minimum! - 1).errors, `below minimum refused`).not.toEqual([]);
      expect(readWith(schema.maximum! + 1).errors, `above maximum refused`).not.toEqual([]);
    });
  }

  it('relay settings default to the relay core’s own defaults (RELAY_DEFAULTS)', () => {
    for (const [name, value] of Object.entries(RELAY_DEFAULTS)) {
      const schema = settings[`flakeDoctor.sessions.${name}`];
      if (schema) expect(schema.default, name).toEqual(value);
    }
  });
});
