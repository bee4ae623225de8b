export { parseProcStat, parseProcCmdline, type ProcStat } from './procStat';
export { osProcessFacts, isSameProcessAlive, isDescendantOf, isValidPid, type ProcessTable } from './processFacts';
