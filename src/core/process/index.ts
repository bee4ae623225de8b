export { parseProcStat, type ProcStat } from './procStat';
export { osProcessFacts, isSameProcessAlive, isDescendantOf, isValidPid, type ProcessFacts } from './processFacts';
