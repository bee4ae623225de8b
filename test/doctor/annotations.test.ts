// The culprits as test annotations: which annotations a failure gets (pure), and that they can be
// added from a real vitest test's onTestFailed hook — where vitest's own `context.annotate`
// refuses a test whose result is already `fail` — and that a vitest without `annotate` is left alone.
import { describe, expect, it, type TestContext } from 'vitest';
import { annotateFailure, culpritAnnotations } from '../../src/vitest/annotations';
import type { FailureCulprit } from '../../src/vitest/shared';

const test = (name: string) => ({ file: 'a.test.ts', name });

const leftover: FailureCulprit = {
  kind: 'call',
  subject: 'GET http://127.0.0.1:9/old',
  message: "left over from 'earlier' in a.test.ts: GET http://127.0.0.1:9/old in flight for 3.0 s, no answer yet",
  culprit: { pid: 41, command: 'node broker.js' },
  startedBy: { relation: 'leftover', test: test('earlier') },
};
const lock: FailureCulprit = { kind: 'lock', subject: '/l', message: 'waiting 2.0 s for restart lock /l: held', culprit: { pid: 42, command: null } };
const own: FailureCulprit = {
  kind: 'call',
  subject: 'GET http://127.0.0.1:9/mine',
  message: 'GET http://127.0.0.1:9/mine in flight for 1.5 s, no answer yet',
  culprit: null,
  startedBy: { relation: 'own', test: test('this one') },
};

describe('culpritAnnotations', () => {
  it("puts the test's own culprits first and earlier tests' leftovers last, typed flake-doctor:<kind> and flake-doctor:leftover:<kind>", () => {
    expect(culpritAnnotations([leftover, lock, own])).toEqual([
      { type: 'flake-doctor:call', message: 'GET http://127.0.0.1:9/mine in flight for 1.5 s, no answer yet' },
      { type: 'flake-doctor:lock', message: 'waiting 2.0 s for restart lock /l: held — culprit: pid 42' },
      {
        type: 'flake-doctor:leftover:call',
        message: "left over from 'earlier' in a.test.ts: GET http://127.0.0.1:9/old in flight for 3.0 s, no answer yet — culprit: pid 41 (node broker.js)",
      },
    ]);
    expect(culpritAnnotations([])).toEqual([]);
  });
});

describe('annotateFailure in a real vitest test', () => {
  let failed: TestContext['task'] | undefined;
  let accepted: boolean | undefined;
  let stateAfter: string | undefined;

  it.fails('annotates the test from its onTestFailed hook, where the result is already final', (ctx) => {
    failed = ctx.task;
    ctx.onTestFailed(async () => {
      accepted = await annotateFailure(ctx, [{ type: 'flake-doctor:loopback', message: '127.0.0.5:80 is held by pid 7 — culprit: pid 7 (nginx)' }]);
      stateAfter = ctx.task.result?.state;
    });
    throw new Error('the failure being annotated');
  });

  it('(checks the test above) the annotation was accepted and the failed state put back', () => {
    expect(accepted).toBe(true);
    expect(stateAfter).toBe('fail');
    expect(failed!.annotations).toEqual([
      expect.objectContaining({ type: 'flake-doctor:loopback', message: expect.stringContaining('culprit: pid 7 (nginx)') }),
    ]);
  });

  it('leaves a test alone when its context has no annotate (vitest < 3.2)', async (ctx) => {
    // The context of vitest before 3.2: the same object without `annotate` (that vitest is not installed here).
    const older = { ...ctx, annotate: undefined } as unknown as TestContext;
    expect(await annotateFailure(older, [{ type: 'flake-doctor:lock', message: 'm' }])).toBe(false);
    expect(ctx.task.annotations).toEqual([]);
  });

  it('returns false and keeps the state when annotate refuses', async (ctx) => {
    const refusing = {
      ...ctx,
      annotate: () => {
        throw new Error('refused');
      },
    } as unknown as TestContext;
    expect(await annotateFailure(refusing, [{ type: 'flake-doctor:lock', message: 'm' }])).toBe(false);
    expect(ctx.task.result?.state).toBe('run');
  });
});
