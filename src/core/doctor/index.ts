// The shared problem model: what the views, the doctor CLI and the vitest plugin flag.
export * from './problem';
export { bridgeProblems, DEFAULT_HEALTH, type BridgeJudgement } from './bridgeProblems';
export { loopbackProblems } from './loopbackProblems';
export { lockProblems, type UnreadableLock } from './lockProblems';
export { serverForUrl } from './callServer';
export { runDoctor, type RunDoctorOptions } from './runDoctor';
export type { DoctorConfig } from './config';
export * from './report';
export * from './sessionHealth';
