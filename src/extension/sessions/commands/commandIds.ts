/**
 * The WebSocket Sessions command ids, in one place without any `vscode` import: the problem
 * list (unit-tested) names its fixes by id, and test/extension/contributions.test.ts checks
 * that package.json contributes every id used in code.
 */
export const START_RELAY_COMMAND = 'flakeDoctor.sessions.start';
export const STOP_RELAY_COMMAND = 'flakeDoctor.sessions.stop';
export const RESTART_RELAY_COMMAND = 'flakeDoctor.sessions.restart';
export const PROBE_SESSION_COMMAND = 'flakeDoctor.sessions.probe';
export const BREAK_SESSION_COMMAND = 'flakeDoctor.sessions.break';
export const COPY_URL_COMMAND = 'flakeDoctor.sessions.copyUrl';
export const SHOW_SESSION_DETAILS_COMMAND = 'flakeDoctor.sessions.showDetails';
