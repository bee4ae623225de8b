// Problems of listens in an attached process that failed because another process holds the
// address: one `listen-in-use` error per failure, blaming the holder found when it failed.

import type { BridgeSnapshot } from '../../bridge/types';
import { problem, type DoctorProblem, type ProcessRef } from '../problem';

export function listenProblems(snapshot: BridgeSnapshot, proc: ProcessRef, key: string): DoctorProblem[] {
  const out: DoctorProblem[] = [];
  for (const f of snapshot.listenFailures ?? []) {
    if (f.code !== 'EADDRINUSE') continue;
    const address = f.address.includes(':') ? `[${f.address}]:${f.port}` : `${f.address}:${f.port}`;
    const holder = f.holder;
    const held =
      holder === null
        ? 'no holder was listening by the time it was looked up'
        : holder.pid === null
          ? `held on ${holder.address} by a process not visible to this user`
          : `held by pid ${holder.pid}${holder.pid === proc.pid ? ' (this process itself)' : ''} (${holder.command ?? 'command line not visible'})`;
    const test = f.test ? ` in test "${f.test.name}" (${f.test.file})` : '';
    out.push(
      problem({
        id: `loopback:${key}:${f.id}`,
        area: 'loopback',
        state: 'listen-in-use',
        subject: address,
        message: `listen on ${address} failed in pid ${proc.pid}${test}: address in use, ${held}`,
        culprit: holder && holder.pid !== null ? { pid: holder.pid, command: holder.command } : null,
        process: proc,
        target: f.id,
      }),
    );
  }
  return out;
}
