export { parseProcStat, parseProcCmdline, type ProcStat } from './procStat';
export { environValue, readEnviron } from './environ';
export { osProcessFacts, isSameProcessAlive, isDescendantOf, isValidPid, type ProcessTable } from './processFacts';
