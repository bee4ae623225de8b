// Orphaned servers as loopback problems: a listener whose test process has exited, named with
// both pids, the starter's command line and, for a direct child, the test that started it.

import type { OrphanedServer } from '../observe/orphans';
import { problem, type DoctorProblem } from './problem';

export function orphanSubject(o: Pick<OrphanedServer, 'address' | 'port'>): string {
  return `${o.address.includes(':') ? `[${o.address}]` : o.address}:${o.port}`;
}

/** "started by pid 12 (node test.js) in test "api starts" (test/api.test.ts), which has exited". */
export function starterText(o: OrphanedServer): string {
  const s = o.starter;
  const test = s.test ? ` in test "${s.test.name}" (${s.test.file})` : '';
  return `started by pid ${s.pid} (${s.command ?? 'command line not recorded'})${test}, which has exited`;
}

export function orphanProblems(orphans: readonly OrphanedServer[]): DoctorProblem[] {
  return orphans.map((o) => {
    const subject = orphanSubject(o);
    return problem({
      id: `loopback:orphan:${subject}:${o.pid}`,
      area: 'loopback',
      state: 'orphaned-server',
      subject,
      message: `${subject}: pid ${o.pid} (${o.command ?? 'command line not visible'}) still listens, ${starterText(o)}`,
      culprit: { pid: o.pid, command: o.command },
      process: { pid: o.starter.pid, command: o.starter.command },
    });
  });
}
