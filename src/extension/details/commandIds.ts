/**
 * The details commands' ids, without any `vscode` import (test/extension/contributions.test.ts
 * checks that package.json contributes every id used in code). The views' own "Show Details"
 * commands are in their commandIds.ts; this one is what notifications' "Show Details" runs.
 */
export const SHOW_DETAILS_COMMAND = 'flakeDoctor.details.show';

/** The second argument of a row's click command: the document opens as a preview and the tree keeps the focus. */
export const ROW_CLICK = 'click';
