// The shared problem model: what the views, the doctor CLI and the vitest plugin flag.
export * from './problem';
export { bridgeProblems, DEFAULT_HEALTH } from './bridgeProblems';
export * from './sessionHealth';
