// The report's JSON Schema, compiled with ajv as a consumer would (date-time checked too).
import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';

export function compileReportSchema(schemaPath: string): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true });
  // ajv leaves formats to a plugin; the one the report uses is small enough to state here.
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)));
  return ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
}
