// The shipped report schema knows every problem state the doctor can report: a state added to
// problem.ts but not to schema/doctor-report.schema.json makes a consumer that validates the
// report reject a real one. Checked both ways: the schema's list against PROBLEM_SEVERITY, and
// a report with a problem in each state validated as a consumer would (ajv, test/doctor/schema.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBLEM_SEVERITY, problem, type ProblemState } from '../../src/core/doctor/problem';
import { REPO_ROOT } from '../helpers/processes';
import { compileReportSchema } from './schema';

const SCHEMA_PATH = join(REPO_ROOT, 'schema/doctor-report.schema.json');
const STATES = Object.keys(PROBLEM_SEVERITY) as ProblemState[];

interface SchemaShape {
  definitions: { problem: { properties: { state: { enum: string[] }; severity: { enum: string[] } } } };
}

function reportWith(state: ProblemState): object {
  const p = problem({ id: `p-${state}`, area: 'loopback', state, subject: '127.0.0.2:80', message: `a ${state} problem`, culprit: null });
  return {
    schemaVersion: 1,
    generator: 'flake-doctor',
    generatedAt: new Date(0).toISOString(),
    durationMs: 1,
    summary: { problems: 1, errors: 0, byArea: { loopback: 1, locks: 0, sessions: 0, calls: 0 } },
    problems: [p],
    loopback: { first: '127.0.0.2', last: '127.0.0.9', probePorts: [], poolFiles: [], scanError: null },
    locks: [],
    processes: [],
    errors: [],
  };
}

describe('schema/doctor-report.schema.json', () => {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as SchemaShape;

  it("lists exactly the doctor's problem states and their severities", () => {
    expect([...schema.definitions.problem.properties.state.enum].sort()).toEqual([...STATES].sort());
    expect([...schema.definitions.problem.properties.severity.enum].sort()).toEqual([...new Set(Object.values(PROBLEM_SEVERITY))].sort());
  });

  it('accepts a report with a problem in each state', () => {
    const validate = compileReportSchema(SCHEMA_PATH);
    const rejected = STATES.filter((state) => !validate(reportWith(state)));
    expect(rejected).toEqual([]);
  });
});
