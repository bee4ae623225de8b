// One vocabulary everywhere: the states table in docs/views.md lists every problem state with
// the words and the severity the code uses (PROBLEM_SEVERITY, STATE_WORDS), so a state added
// to the code without its row — or a row left behind — fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { PROBLEM_SEVERITY, STATE_WORDS, type ProblemState } from '../../src/core/doctor/problem';
import { REPO_ROOT } from '../helpers/processes';

/** `| \`a\` / \`b\` | words / words | severity | view |` rows of the table, one entry per state id. */
function documentedStates(): Map<string, { words: string; severity: string }> {
  const rows = new Map<string, { words: string; severity: string }>();
  for (const line of readFileSync(join(REPO_ROOT, 'docs/views.md'), 'utf8').split('\n')) {
    const cells = line.trim().startsWith('| `') ? line.split('|').map((c) => c.trim()) : [];
    if (cells.length < 5) continue;
    const ids = [...(cells[1] as string).matchAll(/`([a-z-]+)`/g)].map((m) => m[1] as string);
    const words = (cells[2] as string).split(' / ');
    ids.forEach((id, i) => rows.set(id, { words: words[i] ?? words[0] ?? '', severity: cells[3] as string }));
  }
  return rows;
}

test('docs/views.md lists every problem state with its words and severity, and no state the code lacks', () => {
  const documented = documentedStates();
  for (const state of Object.keys(PROBLEM_SEVERITY) as ProblemState[]) {
    expect(documented.get(state), `docs/views.md has no row for ${state}`).toEqual({ words: STATE_WORDS[state], severity: PROBLEM_SEVERITY[state] });
  }
  // Rows for states that are notes, not problems, say so in their severity cell.
  for (const [id, row] of documented) if (!(id in PROBLEM_SEVERITY)) expect(row.severity, `${id} is documented as a problem state`).toMatch(/^—/);
});
