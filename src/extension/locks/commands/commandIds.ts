/**
 * The Restart Locks command ids, in one place without any `vscode` import: the problem list
 * (unit-tested) names its fixes by id, and test/extension/contributions.test.ts checks that
 * package.json contributes every id used in code.
 */
export const REFRESH_LOCKS_COMMAND = 'flakeDoctor.locks.refresh';
export const PROBE_LOCK_COMMAND = 'flakeDoctor.locks.probe';
export const BREAK_LOCK_COMMAND = 'flakeDoctor.locks.break';
export const REVEAL_LOCK_FILE_COMMAND = 'flakeDoctor.locks.reveal';
export const COPY_HOLDER_PID_COMMAND = 'flakeDoctor.locks.copyPid';
export const SHOW_LOCK_DETAILS_COMMAND = 'flakeDoctor.locks.showDetails';
