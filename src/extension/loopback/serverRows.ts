// The rows the Loopback Addresses view lists above the addresses: orphaned servers (from the
// core's detector, run by the model over its socket scan) and failed listens (published by
// attached processes). Pure (no `vscode`), so what the view shows is unit-tested.

import type { BridgeSnapshot } from '../../core/bridge/types';
import { orphanSubject, starterText } from '../../core/doctor/orphanProblems';
import { STATE_WORDS } from '../../core/doctor/problem';
import type { OrphanedServer } from '../../core/observe/orphans';

/** A process a Stop would end: named, and checked against this incarnation of its pid. */
export interface StopTarget {
  pid: number;
  startTime: number | null;
  command: string | null;
}

export interface ServerRow {
  /** Stable while the row lasts. */
  id: string;
  state: 'orphaned-server' | 'listen-in-use';
  /** `127.0.0.1:8000` */
  subject: string;
  description: string;
  /** One fact per line, for the tooltip and the details document. */
  facts: string[];
  /** The process Stop ends (the orphan; the holder of a failed listen); null when not visible. */
  stop: StopTarget | null;
}

export function orphanRows(orphans: readonly OrphanedServer[]): ServerRow[] {
  return orphans.map((o) => {
    const subject = orphanSubject(o);
    return {
      id: `orphan:${subject}:${o.pid}`,
      state: 'orphaned-server',
      subject,
      description: `${STATE_WORDS['orphaned-server']} · pid ${o.pid} · starter pid ${o.starter.pid} exited`,
      facts: [
        `pid ${o.pid} listens: ${o.command ?? 'command line not visible'}`,
        starterText(o),
        ...(o.starter.cwd ? [`starter's directory: ${o.starter.cwd}`] : []),
      ],
      stop: { pid: o.pid, startTime: o.startTime, command: o.command },
    };
  });
}

/** The failed listens of attached processes (EADDRINUSE only: that is the loopback problem). */
export function listenFailureRows(snapshots: ReadonlyArray<BridgeSnapshot | null>): ServerRow[] {
  const out: ServerRow[] = [];
  for (const snapshot of snapshots) {
    for (const f of snapshot?.listenFailures ?? []) {
      if (f.code !== 'EADDRINUSE') continue;
      const subject = orphanSubject(f);
      const h = f.holder;
      out.push({
        id: `listen:${snapshot!.process.pid}:${f.id}`,
        state: 'listen-in-use',
        subject,
        description: `${STATE_WORDS['listen-in-use']} · pid ${snapshot!.process.pid} failed${h?.pid ? ` · held by pid ${h.pid}` : ''}`,
        facts: [
          `listen failed in pid ${snapshot!.process.pid}: ${snapshot!.process.command}`,
          ...(f.test ? [`in test "${f.test.name}" (${f.test.file})`] : []),
          h === null
            ? 'nothing listened there any more when it was looked up'
            : h.pid === null
              ? `held on ${h.address} by a process not visible to this user`
              : `held by pid ${h.pid}: ${h.command ?? 'command line not visible'}`,
        ],
        stop: h && h.pid !== null && h.pid !== snapshot!.process.pid ? { pid: h.pid, startTime: h.startTime, command: h.command } : null,
      });
    }
  }
  return out;
}
