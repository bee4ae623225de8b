// Probe / Break / Restart on something inside an attached process, routed over the bridge.
// Destructive actions (Break, Restart) confirm first and name the process (pid and command
// line), and are refused in untrusted workspaces. Same user only by construction: the bridge
// connects only to sockets of this user in this user's 0700 directory.

import type { BridgeAction } from '../../../core/bridge';
import { requireTrust, type Host } from '../../common/host';
import type { Log } from '../../common/log';
import { processForConfirmation } from '../attachedFormat';
import type { BridgeModel } from '../bridgeModel';

export interface AttachedActionSpec {
  id: string;
  action: BridgeAction;
  /** For the trust refusal and the log: "Break (abort the call)". */
  title: string;
  destructive: boolean;
  /** The question (destructive actions only). */
  question?: (what: string, pid: number) => string;
  /** What the confirmation adds after naming the process. */
  consequence?: string;
  button?: string;
}

export const ATTACHED_ACTIONS = {
  breakCall: {
    id: 'flakeDoctor.attached.breakCall',
    action: 'break',
    title: 'Break (abort the call)',
    destructive: true,
    question: (what, pid) => `Abort ${what} in pid ${pid}?`,
    consequence: 'The caller in that process sees an abort error; nothing else in it is touched.',
    button: 'Abort Call',
  },
  probeSession: { id: 'flakeDoctor.attached.probeSession', action: 'probe', title: 'Probe (PING the session)', destructive: false },
  breakSession: {
    id: 'flakeDoctor.attached.breakSession',
    action: 'break',
    title: 'Break (close the session)',
    destructive: true,
    question: (what, pid) => `Close the ${what} in pid ${pid}?`,
    consequence: 'That process sends Close 4500 (closed by operator) and drops the connection if the peer does not complete the close; its peer may reconnect.',
    button: 'Close Session',
  },
  restartRelay: {
    id: 'flakeDoctor.attached.restartRelay',
    action: 'restart',
    title: 'Restart the relay',
    destructive: true,
    question: (what, pid) => `Restart ${what} in pid ${pid}?`,
    consequence: 'Every session of that relay is closed with 1012 (service restart); the relay listens again on the same port.',
    button: 'Restart Relay',
  },
  probeListener: { id: 'flakeDoctor.attached.probeListener', action: 'probe', title: 'Probe the broker', destructive: false },
  restartListener: {
    id: 'flakeDoctor.attached.restartListener',
    action: 'restart',
    title: 'Restart the listener',
    destructive: true,
    question: (what, pid) => `Restart ${what} in pid ${pid}?`,
    consequence: 'Its broker session is deleted and a new one created; calls in flight are aborted.',
    button: 'Restart Listener',
  },
} satisfies Record<string, AttachedActionSpec>;

/** What a row or a problem-list fix hands a command. */
export interface AttachedTarget {
  processKey: string;
  target: string;
  /** What it is, for the confirmation ("GET http://…"); the target id when not known. */
  what: string;
}

/** Accepts a tree row (AttachedItem has processKey/target/spec.what) or (processKey, target, what) arguments. */
export function attachedTargetOf(args: unknown[]): AttachedTarget | null {
  const [first, second, third] = args;
  if (typeof first === 'string' && typeof second === 'string') return { processKey: first, target: second, what: typeof third === 'string' ? third : second };
  const row = first as { processKey?: unknown; target?: unknown; spec?: { what?: unknown } } | undefined;
  if (row && typeof row.processKey === 'string' && typeof row.target === 'string') {
    return { processKey: row.processKey, target: row.target, what: typeof row.spec?.what === 'string' ? row.spec.what : row.target };
  }
  return null;
}

export async function actOnAttached(spec: AttachedActionSpec, model: BridgeModel, host: Host, log: Log, args: unknown[]): Promise<void> {
  const t = attachedTargetOf(args);
  if (!t) {
    host.warn(`Flake Doctor: ${spec.title}: pick a row in an attached process first.`);
    return;
  }
  if (spec.destructive && !requireTrust(host, spec.title)) return;
  const proc = model.process(t.processKey);
  if (!proc) {
    host.warn(`Flake Doctor: process ${t.processKey} is no longer attached (it exited).`);
    return;
  }
  if (spec.destructive) {
    const ok = await host.confirm(
      spec.question?.(t.what, proc.entry.pid) ?? `${spec.title}?`,
      `Process ${processForConfirmation(proc.entry)}\n\n${spec.consequence ?? ''}`,
      spec.button ?? spec.title,
    );
    if (!ok) {
      log.info(`${spec.title} of ${t.target} in pid ${proc.entry.pid}: cancelled`);
      return;
    }
  }
  log.info(`${spec.title}: ${t.what} (${t.target}) in pid ${proc.entry.pid} (${proc.entry.command})`);
  const result = await host.withProgress(`Flake Doctor: ${spec.title}…`, () => model.act(t.processKey, { target: t.target, action: spec.action }));
  log.info(`${spec.title} in pid ${proc.entry.pid}: ${result.message}`);
  host.info(`Flake Doctor: ${result.message} (pid ${proc.entry.pid})`);
}
