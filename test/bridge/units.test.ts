// Pure parts of the bridge: framing, attach policy, socket names, the problem model from a snapshot.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineSplitter, LineTooLongError, parseAttachMode, shouldAttach } from '../../src/core/bridge';
import { parseSocketFileName, socketFileName } from '../../src/core/bridge/directory';
import { parseObjectLine } from '../../src/core/bridge/lines';

describe('LineSplitter', () => {
  it('splits lines across chunk boundaries and keeps a partial line for the next chunk', () => {
    const s = new LineSplitter(100);
    expect(s.push(Buffer.from('{"a":1}\n{"b"'))).toEqual(['{"a":1}']);
    expect(s.push(Buffer.from(':2}\n\n'))).toEqual(['{"b":2}', '']);
  });

  it('refuses a line past the limit as soon as the limit is passed, with or without its newline', () => {
    const s = new LineSplitter(10);
    expect(() => s.push(Buffer.from('12345678901'))).toThrow(LineTooLongError);
    const t = new LineSplitter(10);
    t.push(Buffer.from('123456'));
    expect(() => t.push(Buffer.from('78901\n'))).toThrow(LineTooLongError);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const s = new LineSplitter(100);
    const bytes = Buffer.from('"é"\n');
    expect(s.push(bytes.subarray(0, 2))).toEqual([]);
    expect(s.push(bytes.subarray(2))).toEqual(['"é"']);
  });

  it('only objects are messages', () => {
    expect(() => parseObjectLine('[1]')).toThrow(/not a JSON object/);
    expect(() => parseObjectLine('nul')).toThrow(/not JSON/);
    expect(parseObjectLine('{"id":1}')).toEqual({ id: 1 });
  });
});

describe('attach policy (auto-attach modes)', () => {
  const node = '/usr/bin/node';
  it('parses the modes and nothing else', () => {
    expect(parseAttachMode('smart')).toBe('smart');
    expect(parseAttachMode(' ALWAYS ')).toBe('always');
    expect(parseAttachMode('sometimes')).toBeNull();
    expect(parseAttachMode(undefined)).toBeNull();
  });
  it('smart: test runners and the user scripts publish; npm, tsc and the REPL do not', () => {
    const smart = (script: string | undefined, execArgv: string[] = []) => shouldAttach('smart', script ? [node, script] : [node], execArgv);
    expect(smart('/home/u/app/node_modules/vitest/vitest.mjs')).toBe(true);
    expect(smart('/home/u/app/node_modules/tinypool/dist/entry/process.js')).toBe(true);
    expect(smart('/home/u/app/node_modules/jest-worker/build/workers/processChild.js')).toBe(true);
    expect(smart('/home/u/app/test/integration.mjs')).toBe(true);
    expect(smart('/home/u/app/test/a.test.mjs', ['--test'])).toBe(true);
    expect(smart('/usr/lib/node_modules/npm/bin/npm-cli.js')).toBe(false);
    expect(smart('/home/u/app/node_modules/typescript/bin/tsc')).toBe(false);
    expect(smart(undefined)).toBe(false);
  });
  it('smart: a runner started through node_modules/.bin (npm test, npx, pnpm and yarn scripts) is judged by its real file', () => {
    // A project laid out as npm lays it out: real files in packages, relative links in .bin.
    const root = mkdtempSync(join(tmpdir(), 'fd-attach-'));
    try {
      const nm = join(root, 'node_modules');
      const bins: Record<string, string> = {
        vitest: 'vitest/vitest.mjs',
        jest: 'jest/bin/jest.js',
        mocha: 'mocha/bin/mocha.js',
        ava: 'ava/entrypoints/cli.mjs',
        pnpm: 'pnpm/bin/pnpm.cjs',
        yarn: 'yarn/bin/yarn.js',
        tsc: 'typescript/bin/tsc',
        eslint: 'eslint/bin/eslint.js',
        'my-tool': '../packages/my-tool/cli.mjs',
      };
      mkdirSync(join(nm, '.bin'), { recursive: true });
      for (const [name, target] of Object.entries(bins)) {
        mkdirSync(dirname(join(nm, target)), { recursive: true });
        writeFileSync(join(nm, target), '');
        symlinkSync(join('..', target), join(nm, '.bin', name));
      }
      const smart = (bin: string) => shouldAttach('smart', [node, join(nm, '.bin', bin)], []);
      for (const runner of ['vitest', 'jest', 'mocha', 'ava']) expect(smart(runner), runner).toBe(true);
      for (const tool of ['pnpm', 'yarn', 'tsc', 'eslint']) expect(smart(tool), tool).toBe(false);
      // A workspace package's own bin, linked into node_modules: the user's code, so it publishes.
      expect(smart('my-tool')).toBe(true);
      // A path that cannot be resolved is judged as given.
      expect(shouldAttach('smart', [node, join(nm, '.bin', 'gone')], [])).toBe(false);
      expect(shouldAttach('smart', [node, '/nowhere/node_modules/mocha/bin/mocha.js'], [])).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
  it('always publishes everything; off nothing', () => {
    expect(shouldAttach('always', [node], [])).toBe(true);
    expect(shouldAttach('off', [node, '/home/u/app/test.mjs'], [])).toBe(false);
  });
});

describe('socket file names', () => {
  it('round-trip, with and without a thread id', () => {
    expect(parseSocketFileName(socketFileName({ pid: 42, start: 'abc', threadId: 0 }))).toEqual({ pid: 42, start: 'abc', threadId: 0 });
    expect(socketFileName({ pid: 42, start: 'abc', threadId: 3 })).toBe('42-abc-t3.sock');
    expect(parseSocketFileName('42-abc-t3.sock')).toEqual({ pid: 42, start: 'abc', threadId: 3 });
  });
  it('reject anything else found in the directory', () => {
    for (const bad of ['42.sock', '0-abc.sock', 'x-abc.sock', '42-abc.json', '42-ABC.sock', '../42-abc.sock']) expect(parseSocketFileName(bad)).toBeNull();
  });
});
