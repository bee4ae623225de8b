// Who emits the records: the OTLP resource (service, host, the CI run) and the trace the CI
// run belongs to. The CI attributes follow the OpenTelemetry cicd.* / vcs.* conventions, read
// from each CI's own variables; OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME override them.

import { hostname } from 'node:os';
import { parseKeyValueList } from './otlpConfig';

export type AttributeValue = string | number | boolean | readonly string[];
export type Attributes = Record<string, AttributeValue>;

function defined(entries: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entries)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** The CI run this process is part of, as cicd.* and vcs.* attributes; {} outside a known CI. */
export function ciAttributes(env: NodeJS.ProcessEnv): Record<string, string> {
  if (env.GITHUB_ACTIONS === 'true') {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    const repo = env.GITHUB_REPOSITORY ? `${server}/${env.GITHUB_REPOSITORY}` : undefined;
    const run = repo && env.GITHUB_RUN_ID ? `${repo}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
    return defined({
      'cicd.pipeline.name': env.GITHUB_WORKFLOW,
      'cicd.pipeline.run.id': env.GITHUB_RUN_ID,
      'cicd.pipeline.run.url.full': run && env.GITHUB_RUN_ATTEMPT ? `${run}/attempts/${env.GITHUB_RUN_ATTEMPT}` : run,
      'cicd.pipeline.task.name': env.GITHUB_JOB,
      'vcs.repository.url.full': repo,
      'vcs.ref.head.name': env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME,
      'vcs.ref.head.revision': env.GITHUB_SHA,
    });
  }
  if (env.GITLAB_CI === 'true') {
    return defined({
      'cicd.pipeline.name': env.CI_PIPELINE_NAME || env.CI_PROJECT_PATH,
      'cicd.pipeline.run.id': env.CI_PIPELINE_ID,
      'cicd.pipeline.run.url.full': env.CI_PIPELINE_URL,
      'cicd.pipeline.task.name': env.CI_JOB_NAME,
      'cicd.pipeline.task.run.id': env.CI_JOB_ID,
      'cicd.pipeline.task.run.url.full': env.CI_JOB_URL,
      'vcs.repository.url.full': env.CI_PROJECT_URL,
      'vcs.ref.head.name': env.CI_COMMIT_REF_NAME,
      'vcs.ref.head.revision': env.CI_COMMIT_SHA,
    });
  }
  if (env.JENKINS_URL && env.BUILD_ID) {
    return defined({
      'cicd.pipeline.name': env.JOB_NAME,
      'cicd.pipeline.run.id': env.BUILD_ID,
      'cicd.pipeline.run.url.full': env.BUILD_URL,
      'vcs.ref.head.name': env.GIT_BRANCH,
      'vcs.ref.head.revision': env.GIT_COMMIT,
    });
  }
  return {};
}

/**
 * The resource: detected attributes, then OTEL_RESOURCE_ATTRIBUTES over them, then
 * OTEL_SERVICE_NAME over all (the specification's precedence); service.name defaults to ours.
 * No process.* attributes: the process that matters is the culprit, under flake_doctor.culprit.*.
 */
export function resourceAttributes(env: NodeJS.ProcessEnv): Attributes {
  const attrs: Attributes = {
    'service.name': 'flake-doctor',
    'host.name': hostname(),
    ...ciAttributes(env),
    ...parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES),
  };
  const service = env.OTEL_SERVICE_NAME?.trim();
  if (service) attrs['service.name'] = service;
  return attrs;
}

export interface TraceContext {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** W3C trace flags (sampled = 1). */
  flags: number;
}

/** The W3C `traceparent` a CI hands its steps in TRACEPARENT; null when absent or malformed. */
export function traceContextFromEnv(env: NodeJS.ProcessEnv): TraceContext | null {
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/.exec((env.TRACEPARENT ?? '').trim().toLowerCase());
  if (!m || m[1] === 'ff') return null;
  // Version 00 has exactly four fields; all-zero ids are invalid.
  if (m[1] === '00' && (env.TRACEPARENT ?? '').trim().split('-').length !== 4) return null;
  if (/^0+$/.test(m[2]) || /^0+$/.test(m[3])) return null;
  return { traceId: m[2], spanId: m[3], flags: parseInt(m[4], 16) };
}
