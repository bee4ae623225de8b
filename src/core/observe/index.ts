// Every observer of a process, started together by the bridge. One line per observer: adding
// one means adding its file and its line here.

import type { Observer, ObserverContext, ObserverFactory } from './observer';
import { observeChildren } from './children';
import { observeHttpClient } from './httpClient';
import { observeListens } from './listens';
import { observeWebSockets } from './webSockets';

export type { Observer, ObserverContext, ObservedParts } from './observer';
export { currentTest, setCurrentTest, type TestRef } from './testContext';

const FACTORIES: ReadonlyArray<[string, ObserverFactory]> = [
  ['node:http', observeHttpClient],
  ['WebSockets', observeWebSockets],
  ['listens', observeListens],
  ['children', observeChildren],
];

/** Starts every observer; one that fails to start is left out with a debug note, never thrown. */
export function startObservers(context: ObserverContext): Observer[] {
  const out: Observer[] = [];
  for (const [name, factory] of FACTORIES) {
    try {
      const observer = factory(context);
      if (observer) out.push(observer);
      else context.debug(`${name}: not observed on this runtime`);
    } catch (err) {
      context.debug(`${name}: not observed: ${(err as Error).message}`);
    }
  }
  return out;
}
