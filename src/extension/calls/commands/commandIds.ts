/**
 * The Broker Calls command ids, in one place without any `vscode` import: the status-bar
 * problems (unit-tested) name their fixes by id, and test/extension/contributions.test.ts checks
 * that package.json contributes every id used in code.
 */
export const START_LISTENER_COMMAND = 'flakeDoctor.calls.start';
export const STOP_LISTENER_COMMAND = 'flakeDoctor.calls.stop';
export const RESTART_LISTENER_COMMAND = 'flakeDoctor.calls.restart';
export const PROBE_BROKER_COMMAND = 'flakeDoctor.calls.probe';
export const BREAK_CALL_COMMAND = 'flakeDoctor.calls.break';
export const COPY_BROKER_URL_COMMAND = 'flakeDoctor.calls.copyBrokerUrl';
export const SHOW_CALL_DETAILS_COMMAND = 'flakeDoctor.calls.showDetails';
