/**
 * The Loopback Addresses command ids, in one place without any `vscode` import: the problem
 * list (unit-tested) names its fixes by id, and test/extension/contributions.test.ts checks
 * that package.json contributes every id used in code.
 */
export const REFRESH_LOOPBACK_COMMAND = 'flakeDoctor.loopback.refresh';
export const PROBE_ADDRESS_COMMAND = 'flakeDoctor.loopback.probe';
export const BREAK_ADDRESS_COMMAND = 'flakeDoctor.loopback.break';
export const RELEASE_LEASE_COMMAND = 'flakeDoctor.loopback.release';
export const COPY_ADDRESS_COMMAND = 'flakeDoctor.loopback.copyAddress';
export const SHOW_ONLY_PROBLEMS_COMMAND = 'flakeDoctor.loopback.showOnlyProblems';
export const SHOW_ALL_ADDRESSES_COMMAND = 'flakeDoctor.loopback.showAll';
export const SHOW_ADDRESS_DETAILS_COMMAND = 'flakeDoctor.loopback.showDetails';
export const STOP_SERVER_COMMAND = 'flakeDoctor.loopback.stopServer';
