/**
 * Attached rows' own command ids (the actions routed to the process are in ATTACHED_ACTIONS),
 * without any `vscode` import; test/extension/contributions.test.ts checks package.json has them.
 */
export const SHOW_ATTACHED_DETAILS_COMMAND = 'flakeDoctor.attached.showDetails';
