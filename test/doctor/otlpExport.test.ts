// OTLP export of problems and failed tests, sent over real loopback HTTP to a receiver that
// checks each request against the OTLP/HTTP specification and decodes it with the official
// protocol definitions (otlpReceiver.ts), in both encodings; then its failure modes: 429/503
// with Retry-After, 400, a connection refused and one that never answers.
import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { problem } from '../../src/core/doctor/problem';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT, exportToOtlp, type FailedTest, type LeftoverThing } from '../../src/core/export';
import { finishRun } from '../../src/runners/common/runReport';
import { otlpConfigFromEnv } from '../../src/core/export/otlpConfig';
import type { SendClock } from '../../src/core/export/otlpSend';
import { traceContextFromEnv } from '../../src/core/export/resource';
import { startReceiver, type Receiver } from './otlpReceiver';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

const problems = [
  problem({
    id: 'loopback:conflict:127.0.0.7',
    area: 'loopback',
    state: 'conflict',
    subject: '127.0.0.7',
    message: '127.0.0.7 has a second listener on probe port 9926',
    culprit: { pid: 4242, command: 'python3 reuseport_listener.py' },
  }),
  problem({
    id: 'calls:stalled:c1',
    area: 'calls',
    state: 'stalled',
    subject: 'GET http://127.0.0.1:8123/broker/poll',
    message: 'GET http://127.0.0.1:8123/broker/poll in flight for 12.0 s',
    culprit: { pid: 5151, command: 'node hanging-broker.js' },
    process: { pid: 6161, command: 'node vitest worker' },
    target: 'c1',
  }),
  problem({ id: 'locks:stale:/x.lock', area: 'locks', state: 'stale', subject: '/fleet/restart.lock', message: 'stale for 120 s', culprit: null }),
];

const failures: FailedTest[] = [
  {
    file: 'failing/loopback.test.mjs',
    test: 'server > listens on its leased address',
    pid: 7171,
    errors: ['listen EADDRINUSE: address already in use 127.0.0.7:9926'],
    culprits: [
      {
        kind: 'loopback',
        subject: '127.0.0.7:9926',
        message: '127.0.0.7:9926 is held by pid 4242',
        culprit: { pid: 4242, command: 'python3 reuseport_listener.py' },
      },
      { kind: 'lock', subject: '/fleet/restart.lock', message: 'waiting 3.0 s for restart lock', culprit: null },
    ],
  },
];

const leftovers: LeftoverThing[] = [
  {
    file: 'failing/leftover.test.mjs',
    pid: 7272,
    severity: 'warning',
    kind: 'call',
    subject: 'GET http://127.0.0.1:8123/warm',
    test: { file: 'failing/leftover.test.mjs', name: 'warms the cache without waiting' },
    message: "GET http://127.0.0.1:8123/warm (call, started 0.4 s before the file ended), left running by 'warms the cache without waiting'",
  },
  {
    file: 'failing/leftover.test.mjs',
    pid: 7272,
    severity: 'error',
    kind: 'child',
    subject: 'pid 8383 python3 server.py',
    test: null,
    message: 'pid 8383 python3 server.py (child, started 2.0 s before the file ended), left running, started outside any test',
    culprit: { pid: 8383, command: 'python3 server.py' },
  },
];

const CI_ENV = {
  GITHUB_ACTIONS: 'true',
  GITHUB_WORKFLOW: 'CI',
  GITHUB_RUN_ID: '987654',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_JOB: 'test',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/fleet',
  GITHUB_SHA: 'abc123',
  GITHUB_REF_NAME: 'main',
  TRACEPARENT: `00-${TRACE_ID}-${SPAN_ID}-01`,
};

/** A clock whose sleeps take no time and are recorded: retry delays asserted exactly, not timed. */
function virtualClock(): SendClock & { slept: number[] } {
  let now = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());
afterEach(() => {
  receiver.requests.length = 0;
});

describe.each(['http/json', 'http/protobuf'] as const)('%s', (protocol) => {
  it('sends every problem, failed test and culprit as spec-valid log records with the standard attributes', async () => {
    const warnings: string[] = [];
    const outcome = await exportToOtlp(
      { problems, failures },
      {
        env: {
          ...CI_ENV,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_EXPORTER_OTLP_HEADERS: 'x-team=fleet%20ops,authorization=Bearer t0k',
        },
        warn: (l) => warnings.push(l),
        version: '1.2.3',
      },
    );
    expect(warnings).toEqual([]);
    expect(outcome).toEqual({ status: 'sent', records: 3 + 3, attempts: 1 });
    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    expect(req.violations).toEqual([]);
    expect(req.path).toBe('/v1/logs');
    expect(req.contentType).toBe(protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
    expect(req.headers['x-team']).toBe('fleet ops');
    expect(req.headers.authorization).toBe('Bearer t0k');
    const d = req.decoded!;
    expect(d.scope).toEqual({ name: 'flake-doctor', version: '1.2.3' });
    expect(d.resource).toMatchObject({
      'service.name': 'flake-doctor',
      'host.name': hostname(),
      'cicd.pipeline.name': 'CI',
      'cicd.pipeline.run.id': '987654',
      'cicd.pipeline.run.url.full': 'https://github.com/acme/fleet/actions/runs/987654/attempts/2',
      'cicd.pipeline.task.name': 'test',
      'vcs.ref.head.revision': 'abc123',
    });
    // The emitter's process.* would describe the doctor; the culprit is under flake_doctor.culprit.*.
    const everyKey = [...Object.keys(d.resource), ...d.records.flatMap((r) => Object.keys(r.attributes))];
    expect(everyKey.filter((k) => k.startsWith('process.'))).toEqual([]);

    const byEvent = (name: string) => d.records.filter((r) => r.eventName === name);
    const [conflict, stalled, stale] = byEvent(EVENT.problem);
    expect(conflict).toMatchObject({
      severityNumber: 17,
      severityText: 'ERROR',
      body: '127.0.0.7 has a second listener on probe port 9926',
      attributes: {
        'flake_doctor.problem.state': 'conflict',
        'flake_doctor.problem.area': 'loopback',
        'flake_doctor.culprit.pid': 4242,
        'flake_doctor.culprit.command': 'python3 reuseport_listener.py',
        'server.address': '127.0.0.7',
      },
    });
    expect(stalled.attributes).toMatchObject({
      'server.address': '127.0.0.1',
      'server.port': 8123,
      'flake_doctor.process.pid': 6161,
      'flake_doctor.culprit.pid': 5151,
      'flake_doctor.problem.target': 'c1',
    });
    expect(stale).toMatchObject({ severityNumber: 13, severityText: 'WARN' });
    expect(stale.attributes).not.toHaveProperty('flake_doctor.culprit.pid');

    const [failure] = byEvent(EVENT.testFailure);
    expect(failure).toMatchObject({
      severityNumber: 17,
      body: 'listen EADDRINUSE: address already in use 127.0.0.7:9926',
      attributes: {
        'test.case.name': 'server > listens on its leased address',
        'test.suite.name': 'failing/loopback.test.mjs',
        'test.case.result.status': 'fail',
        'flake_doctor.worker.pid': 7171,
        'flake_doctor.culprit.count': 2,
        'flake_doctor.culprit.subjects': ['127.0.0.7:9926', '/fleet/restart.lock'],
      },
    });
    const culprits = byEvent(EVENT.testCulprit);
    expect(culprits.map((c) => c.attributes)).toEqual([
      expect.objectContaining({
        'test.case.name': 'server > listens on its leased address',
        'flake_doctor.culprit.kind': 'loopback',
        'flake_doctor.culprit.pid': 4242,
        'server.address': '127.0.0.7',
        'server.port': 9926,
      }),
      expect.objectContaining({ 'flake_doctor.culprit.kind': 'lock', 'flake_doctor.culprit.subject': '/fleet/restart.lock' }),
    ]);
    for (const r of d.records) {
      // Trace context from TRACEPARENT on every record; times as nanoseconds.
      expect([r.traceId, r.spanId, r.flags]).toEqual([TRACE_ID, SPAN_ID, 1]);
      expect(BigInt(r.timeUnixNano)).toBeGreaterThan(BigInt(Date.now() - 60_000) * 1_000_000n);
      expect(r.observedTimeUnixNano).not.toBe('0');
    }
  });
});

describe.each(['http/json', 'http/protobuf'] as const)('leftovers, %s', (protocol) => {
  it('sends each thing a file left running as flake_doctor.leftover, named by the test that started it or as started outside any test', async () => {
    const warnings: string[] = [];
    const outcome = await exportToOtlp(
      { problems: [], leftovers },
      { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol }, warn: (l) => warnings.push(l) },
    );
    expect(warnings).toEqual([]);
    expect(outcome).toEqual({ status: 'sent', records: 2, attempts: 1 });
    const [req] = receiver.requests;
    expect(req.violations).toEqual([]);
    const [byTest, outside] = req.decoded!.records;
    expect(byTest).toMatchObject({
      eventName: EVENT.leftover,
      severityNumber: 13,
      severityText: 'WARN',
      body: leftovers[0].message,
      attributes: {
        'test.case.name': 'warms the cache without waiting',
        'test.suite.name': 'failing/leftover.test.mjs',
        'flake_doctor.worker.pid': 7272,
        'flake_doctor.leftover.kind': 'call',
        'flake_doctor.leftover.subject': 'GET http://127.0.0.1:8123/warm',
        'flake_doctor.leftover.started_outside_test': false,
        'server.address': '127.0.0.1',
        'server.port': 8123,
      },
    });
    expect(byTest.attributes).not.toHaveProperty('flake_doctor.culprit.pid');
    // Failed for it (vitest's leftovers: 'fail'): an error; no test: no test.case.name, the file as the suite.
    expect(outside).toMatchObject({ eventName: EVENT.leftover, severityNumber: 17, severityText: 'ERROR' });
    expect(outside.attributes).toMatchObject({
      'test.suite.name': 'failing/leftover.test.mjs',
      'flake_doctor.leftover.kind': 'child',
      'flake_doctor.leftover.started_outside_test': true,
      'flake_doctor.culprit.pid': 8383,
      'flake_doctor.culprit.command': 'python3 server.py',
    });
    expect(outside.attributes).not.toHaveProperty('test.case.name');
  });
});

// The jest and node:test reporters end a run through finishRun (runReport.ts): what they write
// to flake-doctor-report.json they send to the collector too, leftovers included.
describe('from the jest and node:test reporters (finishRun)', () => {
  it('sends the failures and the leftovers of the run it reports, and says nothing when the collector took them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fd-otlp-run-'));
    try {
      const lines = await finishRun(
        [
          { type: 'failure', file: failures[0].file, test: failures[0].test, pid: 7171, errors: [...failures[0].errors], culprits: [] },
          {
            type: 'file-end',
            file: 'failing/leftover.test.mjs',
            pid: 7272,
            leftovers: [{ kind: 'call', subject: leftovers[0].subject, startedAt: 1, test: leftovers[0].test, message: leftovers[0].message }],
          },
        ],
        { root, settings: false, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } },
      );
      expect(lines.filter((l) => l.includes('OpenTelemetry'))).toEqual([]);
      expect(lines.at(-1)).toContain('report written to flake-doctor-report.json');
      const report = JSON.parse(readFileSync(join(root, 'flake-doctor-report.json'), 'utf8'));
      const [req] = receiver.requests;
      expect(req.violations).toEqual([]);
      const records = req.decoded!.records;
      expect(records.filter((r) => r.eventName === EVENT.testFailure).map((r) => r.attributes['test.case.name'])).toEqual([failures[0].test]);
      expect(
        records.filter((r) => r.eventName === EVENT.leftover).map((r) => [r.attributes['test.case.name'], r.attributes['flake_doctor.leftover.subject']]),
      ).toEqual([['warms the cache without waiting', 'GET http://127.0.0.1:8123/warm']]);
      // Every problem of the report's doctor pass too, as the vitest plugin sends them.
      expect(records.filter((r) => r.eventName === EVENT.problem)).toHaveLength(report.problems.length);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('configuration from the standard variables', () => {
  const url = (env: NodeJS.ProcessEnv) => {
    const c = otlpConfigFromEnv(env);
    return c.kind === 'on' ? c.config.url.href : c.kind;
  };

  it('appends /v1/logs to OTEL_EXPORTER_OTLP_ENDPOINT, uses the logs endpoint as given, defaults to http/protobuf', () => {
    expect(url({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('http://collector:4318/v1/logs');
    expect(url({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe('http://collector:4318/v1/logs');
    expect(url({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://gw.example/otlp/' })).toBe('https://gw.example/otlp/v1/logs');
    expect(url({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://b:9999/custom' })).toBe('http://b:9999/custom');
    expect(url({})).toBe('off');
    expect(url({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_SDK_DISABLED: 'true' })).toBe('off');
    const c = otlpConfigFromEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
      OTEL_EXPORTER_OTLP_TIMEOUT: '750',
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json',
    });
    expect(c).toMatchObject({ kind: 'on', config: { protocol: 'http/json', timeoutMs: 750 } });
    expect(otlpConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' })).toMatchObject({ config: { protocol: 'http/protobuf', timeoutMs: 10_000 } });
  });

  it('an unusable OTEL_EXPORTER_OTLP_TIMEOUT is said and the default used, without stopping the export', () => {
    for (const bad of ['abc', '-5', '0', '1.5s']) {
      const c = otlpConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TIMEOUT: bad });
      expect(c).toMatchObject({ kind: 'on', config: { timeoutMs: 10_000 } });
      expect(c.kind === 'on' ? c.warning : null).toBe(`OTLP timeout ${JSON.stringify(bad)} is not a positive whole number of milliseconds; using 10000`);
    }
    const fine = otlpConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TIMEOUT: '750' });
    expect(fine.kind === 'on' ? fine.warning : 'off').toBeUndefined();
  });

  it('reads TRACEPARENT only when well formed', () => {
    expect(traceContextFromEnv({ TRACEPARENT: `00-${TRACE_ID}-${SPAN_ID}-00` })).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, flags: 0 });
    expect(traceContextFromEnv({ TRACEPARENT: `00-${'0'.repeat(32)}-${SPAN_ID}-01` })).toBeNull();
    expect(traceContextFromEnv({ TRACEPARENT: 'garbage' })).toBeNull();
    expect(traceContextFromEnv({})).toBeNull();
  });

  it('an unsupported protocol or a bad endpoint is one warning and no request', async () => {
    for (const env of [{ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }]) {
      const warnings: string[] = [];
      const outcome = await exportToOtlp({ problems }, { env, warn: (l) => warnings.push(l) });
      expect(outcome.status).toBe('failed');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^Flake Doctor: OpenTelemetry export skipped: /);
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it('service.name: OTEL_SERVICE_NAME over OTEL_RESOURCE_ATTRIBUTES over the default', async () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,deployment.environment.name=ci' };
    await exportToOtlp({ problems }, { env, warn: () => {} });
    await exportToOtlp({ problems }, { env: { ...env, OTEL_SERVICE_NAME: 'fleet-tests' }, warn: () => {} });
    expect(receiver.requests.map((r) => r.decoded?.resource['service.name'])).toEqual(['from-attrs', 'fleet-tests']);
    expect(receiver.requests[0].decoded?.resource['deployment.environment.name']).toBe('ci');
  });
});

describe('when the collector does not take the records', () => {
  const env = () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });

  it('429 and 503 are retried after their Retry-After, then the records are delivered', async () => {
    receiver.script({ status: 429, retryAfter: '1' }, { status: 503, retryAfter: '0' });
    const clock = virtualClock();
    const warnings: string[] = [];
    const outcome = await exportToOtlp({ problems }, { env: env(), warn: (l) => warnings.push(l), clock });
    expect(outcome).toEqual({ status: 'sent', records: 3, attempts: 3 });
    expect(clock.slept).toEqual([1000, 0]);
    expect(warnings).toEqual([]);
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests.every((r) => r.violations.length === 0)).toBe(true);
  });

  it('Retry-After honoured for real: the retry arrives no sooner than asked', async () => {
    receiver.script({ status: 503, retryAfter: '1' });
    const outcome = await exportToOtlp({ problems }, { env: env(), warn: () => {} });
    expect(outcome.status).toBe('sent');
    const [first, second] = receiver.requests;
    expect(second.at - first.at).toBeGreaterThanOrEqual(990);
  });

  it('a Retry-After past the bound is not waited for: one warning, nothing else', async () => {
    receiver.script({ status: 429, retryAfter: '30' });
    const clock = virtualClock();
    const warnings: string[] = [];
    const outcome = await exportToOtlp({ problems }, { env: env(), warn: (l) => warnings.push(l), clock });
    expect(outcome.status).toBe('failed');
    expect(clock.slept).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
    expect(warnings).toEqual([
      `Flake Doctor: OpenTelemetry export of 3 log records to ${receiver.url}/v1/logs failed after 1 attempt: HTTP 429, Retry-After 30 s; no retry within the export bound`,
    ]);
  });

  it('400 is final: no retry, the Status message in the one warning', async () => {
    receiver.script({ status: 400, message: 'bad data: unknown field' });
    const clock = virtualClock();
    const warnings: string[] = [];
    const outcome = await exportToOtlp({ problems }, { env: env(), warn: (l) => warnings.push(l), clock });
    expect(outcome.status).toBe('failed');
    expect(receiver.requests).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('HTTP 400 (bad data: unknown field)');
  });

  it('the 400 Status message is read from a protobuf answer too', async () => {
    receiver.script({ status: 400, message: 'bad proto' });
    const warnings: string[] = [];
    await exportToOtlp({ problems }, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, warn: (l) => warnings.push(l), clock: virtualClock() });
    expect(warnings[0]).toContain('HTTP 400 (bad proto)');
  });

  it('a connection that never answers is cut at the bound: the export returns, with one warning', async () => {
    receiver.script('hang');
    const warnings: string[] = [];
    const started = Date.now();
    const outcome = await exportToOtlp({ problems }, { env: env(), warn: (l) => warnings.push(l), boundMs: 400 });
    const took = Date.now() - started;
    expect(outcome.status).toBe('failed');
    expect(receiver.requests).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/failed after 1 attempt: no answer within \d+ ms$/);
    // It waited for the answer until the bound, and not much longer (generous for a loaded machine).
    expect(took).toBeGreaterThanOrEqual(350);
    expect(took).toBeLessThan(5000);
  });

  it('a refused connection is retried with backoff until the bound, then one warning', async () => {
    const closed = await startReceiver();
    const url = closed.url;
    await closed.close();
    const clock = virtualClock();
    const warnings: string[] = [];
    const outcome = await exportToOtlp({ problems }, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: url }, warn: (l) => warnings.push(l), clock });
    expect(outcome.status).toBe('failed');
    expect(clock.slept.length).toBeGreaterThanOrEqual(3);
    // Each wait about twice the last (jitter between half and all of it), all within 2 s.
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeLessThan(2000);
    expect(clock.slept[2]).toBeGreaterThan(clock.slept[0]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ECONNREFUSED; no retry within the export bound$/);
  });

  it('nothing to report sends nothing', async () => {
    expect(await exportToOtlp({ problems: [] }, { env: env(), warn: () => {} })).toEqual({ status: 'nothing-to-send' });
    expect(receiver.requests).toHaveLength(0);
  });
});
