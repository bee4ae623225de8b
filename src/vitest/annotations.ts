// The culprits of a failed test as vitest test annotations (`context.annotate`, vitest ≥ 3.2),
// so that reporters that know annotations carry them with no configuration of their own: the
// JUnit reporter as `<property name="flake-doctor:<kind>" value="…">` in the test case, the
// `github-actions` reporter as a `::notice …,title=flake-doctor:<kind>::…` workflow command, the
// default reporter under the failure. The text section stays: it is what older vitest and
// reporters that print only errors show.

import type { TestContext } from 'vitest';
import type { FailureCulprit } from './shared';

export const ANNOTATION_PREFIX = 'flake-doctor';

/** One annotation: `type` is the JUnit property name and the GitHub annotation title. */
export interface CulpritAnnotation {
  type: string;
  message: string;
}

/** The failing test's own culprits first, then those no test started (listeners, locks), then what earlier tests left running. */
function rank(c: FailureCulprit): number {
  const relation = c.startedBy?.relation;
  return relation === 'own' ? 0 : relation === 'leftover' ? 2 : 1;
}

/** One annotation per culprit, each naming the culprit process (pid and command) when one is known. */
export function culpritAnnotations(culprits: readonly FailureCulprit[]): CulpritAnnotation[] {
  return [...culprits]
    .sort((a, b) => rank(a) - rank(b))
    .map((c) => {
      const type = c.startedBy?.relation === 'leftover' ? `${ANNOTATION_PREFIX}:leftover:${c.kind}` : `${ANNOTATION_PREFIX}:${c.kind}`;
      const culprit = c.culprit ? ` — culprit: pid ${c.culprit.pid}${c.culprit.command ? ` (${c.culprit.command})` : ''}` : '';
      return { type, message: `${c.message}${culprit}` };
    });
}

type Annotate = (message: string, type?: string) => Promise<unknown>;

/**
 * Adds the annotations to a failed test, from its `onTestFailed` hook. Returns whether every
 * one was accepted; false, silently, when this vitest has no `context.annotate` (< 3.2) or
 * refused one — the section in the error text is there either way.
 *
 * `context.annotate` refuses once the test's result has left the `run` state ("Cannot annotate
 * tests outside of the test run"), and when `onTestFailed` handlers run it is already `fail`;
 * no later hook of a test sees it still running. Its check is synchronous, made before the
 * annotation is sent, so the state reads `run` only for the synchronous calls below and is put
 * back before anything else can run: the annotations then travel to the reporters the way a
 * test's own do.
 */
export async function annotateFailure(ctx: TestContext, annotations: readonly CulpritAnnotation[]): Promise<boolean> {
  const annotate = (ctx as { annotate?: unknown }).annotate;
  const result = ctx.task.result;
  if (typeof annotate !== 'function' || !result || annotations.length === 0) return false;
  const state = result.state;
  const sent: Promise<unknown>[] = [];
  let refused = false;
  try {
    result.state = 'run';
    for (const a of annotations) sent.push((annotate as Annotate).call(ctx, a.message, a.type));
  } catch {
    refused = true;
  } finally {
    result.state = state;
  }
  // Those already sent are awaited even after a refusal: vitest keeps them as the test's pending work.
  const settled = await Promise.allSettled(sent);
  return !refused && settled.every((s) => s.status === 'fulfilled');
}
