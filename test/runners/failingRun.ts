// The failing run both runner tests (jest, node --test) make: the fixture's `failing` folder
// with the faults' environment, the bridge directory and an OTLP receiver; what it printed,
// what it exported and the report it left.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startReceiver, type DecodedRecord } from '../doctor/otlpReceiver';
import { childEnv, run, type RunResult } from '../doctor/package';

export interface FailingRun {
  failing: RunResult;
  /** What the run's reporter exported to the OTLP receiver. */
  exported: DecodedRecord[];
  /** flake-doctor-report.json as the run left it, or null. */
  report: string | null;
}

export async function runFailing(root: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<FailingRun> {
  const receiver = await startReceiver();
  const failing = await run(command, args, {
    cwd: root,
    env: childEnv({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
    timeoutMs: 90_000,
  }).finally(() => receiver.close());
  const path = join(root, 'flake-doctor-report.json');
  return {
    failing,
    exported: receiver.requests.flatMap((r) => r.decoded?.records ?? []),
    report: existsSync(path) ? readFileSync(path, 'utf8') : null,
  };
}
