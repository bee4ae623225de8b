// Pure parts of the CLI's configuration: JSON with comments, flags, messages naming the flag,
// and the setting table kept in step with package.json's contributions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args';
import { cliMessage, ConfigError, resolveDoctorConfig } from '../../src/cli/config/loadConfig';
import { parseJsonc } from '../../src/cli/config/jsonc';
import { flagValue, SETTING_KINDS } from '../../src/cli/config/settingKinds';
import { REPO_ROOT } from '../helpers/processes';

describe('parseJsonc', () => {
  it('accepts comments and trailing commas, leaves comment-like text inside strings alone', () => {
    const text = `{
      // line comment
      "a": "http://x//y", /* block
      comment */ "b": [1, 2,],
      "c": "/* not a comment */",
    }`;
    expect(parseJsonc(text)).toEqual({ a: 'http://x//y', b: [1, 2], c: '/* not a comment */' });
  });
  it('treats an empty file as no settings and reports where a syntax error is', () => {
    expect(parseJsonc('  // nothing\n')).toEqual({});
    expect(() => parseJsonc('{\n  "a": 1\n  "b": 2\n}')).toThrow(/line 3/);
  });
  it('keeps escaped quotes inside strings', () => {
    expect(parseJsonc('{"a": "say \\"hi\\" // x",}')).toEqual({ a: 'say "hi" // x' });
  });
});

describe('parseArgs', () => {
  it('takes --area.name value and --area.name=value, and the command', () => {
    const a = parseArgs(['doctor', '--json', '--loopback.start', '200', '--locks.paths=a.lock,b.lock']);
    expect(a.command).toBe('doctor');
    expect(a.json).toBe(true);
    expect([...a.settingFlags]).toEqual([
      ['loopback.start', '200'],
      ['locks.paths', 'a.lock,b.lock'],
    ]);
  });
  it('refuses unknown options and commands, and bad --interval', () => {
    expect(() => parseArgs(['doctor', '--loopback.nope', '1'])).toThrow(UsageError);
    expect(() => parseArgs(['heal'])).toThrow(/unknown command/);
    expect(() => parseArgs(['watch', '--interval', '5'])).toThrow(/--interval must be an integer from 100/);
    expect(() => parseArgs(['doctor', '--loopback.start'])).toThrow(/needs a value/);
  });
});

describe('flag values', () => {
  it('convert to the setting type; text that does not fit is passed on for the reader to refuse', () => {
    expect(flagValue('integer', '200')).toBe(200);
    expect(flagValue('integer', '2x')).toBe('2x');
    expect(flagValue('integer[]', '19925, 19926')).toEqual([19925, 19926]);
    expect(flagValue('string[]', 'a.lock,b.lock')).toEqual(['a.lock', 'b.lock']);
    expect(flagValue('boolean', 'false')).toBe(false);
  });
});

describe('resolveDoctorConfig', () => {
  const resolve = (file: Record<string, unknown>, flags: [string, string][] = []) =>
    resolveDoctorConfig({ file, fileLabel: '.vscode/settings.json', flags: new Map(flags) }, { cwd: '/work/project', env: {} });

  it('uses the extension defaults, the file, then flags', () => {
    const defaults = resolve({});
    expect(defaults.loopback.config).toEqual({ start: 2, count: 32, probePorts: [9925, 9926] });
    expect(defaults.locks).toMatchObject({ staleMs: 30_000, mutexStaleMs: 5_000, paths: [] });
    expect(defaults.calls.stallThresholdMs).toBeNull();
    const mixed = resolve({ 'flakeDoctor.loopback.start': 100, 'flakeDoctor.locks.paths': ['${workspaceFolder}/run/restart.lock'] }, [
      ['loopback.start', '150'],
    ]);
    expect(mixed.loopback.config.start).toBe(150);
    expect(mixed.locks.paths).toEqual(['/work/project/run/restart.lock']);
  });

  it('refuses invalid values, naming the flag or the file', () => {
    try {
      resolve({ 'flakeDoctor.locks.staleMs': 1, 'flakeDoctor.loopback.cuont': 3 }, [['calls.stallThresholdMs', '-1']]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const messages = (err as ConfigError).messages;
      expect(messages).toContain('--calls.stallThresholdMs must be an integer from 0 to 600000 (got -1)');
      expect(messages).toContain('flakeDoctor.locks.staleMs must be an integer from 100 to 604800000 ms (got 1) (in .vscode/settings.json)');
      expect(messages.some((m) => m.startsWith('flakeDoctor.loopback.cuont (in .vscode/settings.json) is not a Flake Doctor setting'))).toBe(true);
    }
  });

  it('names both flags of an impossible range', () => {
    expect(() =>
      resolve({}, [
        ['loopback.start', '250'],
        ['loopback.count', '10'],
      ]),
    ).toThrow(/--loopback\.start, --loopback\.count:/);
  });
});

describe('cliMessage', () => {
  it('drops the fallback the editor would use', () => {
    expect(
      cliMessage('flakeDoctor.sessions.port must be an integer from 0 or 1 to 65535 (got 7e5); using 0', {
        flags: new Map([['sessions.port', '7e5']]),
        fileLabel: 'x',
      }),
    ).toBe('--sessions.port must be an integer from 0 or 1 to 65535 (got 7e5)');
  });
});

describe('the setting table', () => {
  it('lists exactly the flakeDoctor.* settings package.json contributes, with their types', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    const config = pkg.contributes.configuration;
    const properties: Record<string, { type: string; items?: { type: string } }> = Object.assign(
      {},
      ...(Array.isArray(config) ? config : [config]).map((c: { properties: object }) => c.properties),
    );
    const fromPackage = Object.fromEntries(
      Object.entries(properties).map(([key, p]) => [key.replace(/^flakeDoctor\./, ''), p.type === 'array' ? `${p.items!.type}[]` : p.type]),
    );
    const fromTable = Object.fromEntries(
      Object.entries(SETTING_KINDS).flatMap(([area, names]) => Object.entries(names).map(([name, kind]) => [`${area}.${name}`, kind])),
    );
    expect(fromTable).toEqual(fromPackage);
  });
});
