/**
 * The process table with this process's own row answered from memory.
 *
 * Every pool update records our start time (in the lock file, in a new lease) and checks our
 * own leases while sweeping dead holders: three reads of `/proc/<pid>/stat` and a `kill(pid, 0)`
 * per update, for facts that cannot change while this process runs. Other pids are still
 * looked up every time, so a dead or reused holder is judged exactly as before.
 */
import type { ProcessTable } from '../process';

export function withOwnProcessRemembered(facts: ProcessTable, ownPid: number = process.pid): ProcessTable {
  let ownStart: { value: number | null } | null = null;
  return {
    // Delegated one by one: a table may be a class instance, whose methods a spread would lose.
    commandLine: (pid) => facts.commandLine(pid),
    uid: (pid) => facts.uid(pid),
    parentPid: (pid) => facts.parentPid(pid),
    // We are running: asking the kernel whether we are alive tells nothing.
    isAlive: (pid) => pid === ownPid || facts.isAlive(pid),
    startTime: (pid) => {
      if (pid !== ownPid) return facts.startTime(pid);
      ownStart ??= { value: facts.startTime(pid) };
      return ownStart.value;
    },
  };
}
