import type { Host, PickItem } from '../../src/extension/common/host';

export interface FakeHost extends Host {
  /** Every modal, in order: its message, detail and the actions offered (the first is the default). */
  asked: Array<{ message: string; detail: string; action: string; actions: readonly string[] }>;
  /** Every notification, as `info: …`, `warn: …`, `error: …`. */
  said: string[];
  picks: Array<readonly PickItem<unknown>[]>;
  copied: string[];
}

/**
 * A Host driven by a script: `answers` are given to the modals in order (true/false for a
 * confirm, an action name or undefined for an ask); picks choose the item `pick` selects.
 */
export function fakeHost(
  options: { trusted?: boolean; answers?: Array<boolean | string | undefined>; pick?: (items: readonly PickItem<unknown>[]) => number } = {},
): FakeHost {
  const answers = [...(options.answers ?? [])];
  const host: FakeHost = {
    asked: [],
    said: [],
    picks: [],
    copied: [],
    isTrusted: () => options.trusted ?? true,
    async confirm(message, detail, action) {
      host.asked.push({ message, detail, action, actions: [action] });
      const a = answers.shift();
      return a === true || a === action;
    },
    async ask(message, detail, actions) {
      host.asked.push({ message, detail, action: actions.join('|'), actions });
      const a = answers.shift();
      return actions.find((x) => x === a);
    },
    info: (m) => void host.said.push(`info: ${m}`),
    warn: (m) => void host.said.push(`warn: ${m}`),
    error: (m) => void host.said.push(`error: ${m}`),
    showDetails: (title, details) => void host.said.push(`details: ${title}\n${details}`),
    async pick<T>(items: readonly PickItem<T>[]) {
      host.picks.push(items);
      const i = options.pick ? options.pick(items) : -1;
      return i >= 0 ? items[i]?.value : undefined;
    },
    async copy(text) {
      host.copied.push(text);
    },
    withProgress: (_title, task) => task(),
  };
  return host;
}

export const silentLog = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, show: () => undefined };
