// The listener speaks the runner-scale-set protocol as GitHub's client (actions/scaleset:
// session_client.go, client.go) does: every request a real fake broker sees is checked for
// method, path, query, headers and body, in order; and the three ways to configure it work.
import { describe, expect, it } from 'vitest';
import {
  BrokerListener,
  gitHubApiUrl,
  messageUrl,
  pollUrl,
  resolveTarget,
  scaleSetUrl,
  startFakeBroker,
  type BrokerListenerOptions,
  type FakeBroker,
  type FakeBrokerOptions,
  type FakeBrokerRequest,
} from '../../src/core/listener/index';
import { recordEvents, useCleanups, waitFor } from './helpers';

const cleanups = useCleanups();

async function broker(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
  const b = await startFakeBroker({ longPollHoldMs: 200, ...options });
  cleanups.push(() => b.close());
  return b;
}

function listener(options: BrokerListenerOptions): BrokerListener {
  const l = new BrokerListener({
    controlPlaneTimeoutMs: 2_000,
    longPollTimeoutMs: 3_000,
    backoff: { baseMs: 20, maxMs: 50 },
    stopGraceMs: 1_000,
    random: () => 0.5,
    ...options,
  });
  cleanups.push(() => l.dispose());
  return l;
}

function record(b: FakeBroker): FakeBrokerRequest[] {
  const seen: FakeBrokerRequest[] = [];
  b.onRequest((r) => seen.push(r));
  return seen;
}

const SCALE_SET = '/tenant/flake-doctor/_apis/runtime/runnerscalesets/7';

describe('the wire protocol, request by request', () => {
  it('registration, session, long poll, acquire, acknowledge, poll with lastMessageId, delete session', async () => {
    const b = await broker({ scaleSetId: 7, registrationToken: 'reg-7' });
    const seen = record(b);
    const l = listener({ githubConfigUrl: b.githubConfigUrl, registrationToken: 'reg-7', scaleSetId: 7, maxRunners: 3 });
    l.start();
    await waitFor(() => seen.some((r) => r.name === 'getMessage'), 'the first poll');
    const jobId = b.enqueueJob();
    await waitFor(() => seen.filter((r) => r.name === 'getMessage').length >= 2 && b.acquiredJobs().includes(jobId), 'the job acquired and the next poll');
    await l.stop();

    const [reg, create, poll1] = seen;
    expect(reg).toMatchObject({
      name: 'exchangeToken',
      method: 'POST',
      url: '/api/v3/actions/runner-registration',
      headers: { authorization: 'RemoteAuth reg-7' },
    });
    expect(JSON.parse(reg!.body)).toEqual({ url: b.githubConfigUrl, runner_event: 'register' });

    expect(create).toMatchObject({ name: 'createSession', method: 'POST', url: `${SCALE_SET}/sessions?api-version=6.0-preview` });
    expect(create!.headers['authorization']).toMatch(/^Bearer [\w-]+\.[\w-]+\.\w+$/); // the admin JWT from runner-registration
    expect(JSON.parse(create!.body)).toMatchObject({ ownerName: l.snapshot().ownerName });

    const sessionId =
      l.snapshot().sessionId ??
      seen
        .find((r) => r.name === 'deleteSession')
        ?.path.split('/')
        .pop();
    expect(poll1).toMatchObject({ name: 'getMessage', method: 'GET', url: `/message-queue/${sessionId}` }); // no lastMessageId before the first message
    expect(poll1!.headers).toMatchObject({ accept: 'application/json; api-version=6.0-preview', 'x-scalesetmaxcapacity': '3' });
    expect(poll1!.headers['authorization']).toMatch(/^Bearer q-/); // the queue token, not the admin token

    const acquire = seen.find((r) => r.name === 'acquireJobs')!;
    expect(acquire).toMatchObject({
      method: 'POST',
      url: `${SCALE_SET}/acquirejobs?api-version=6.0-preview`,
      headers: { authorization: poll1!.headers['authorization'] },
    });
    expect(JSON.parse(acquire.body)).toEqual([jobId]);

    const ack = seen.find((r) => r.name === 'deleteMessage')!;
    expect(ack).toMatchObject({ method: 'DELETE', url: `/message-queue/${sessionId}/1` });
    const later = seen.filter((r) => r.name === 'getMessage').slice(-1)[0]!;
    expect(later.url).toBe(`/message-queue/${sessionId}?lastMessageId=1`);

    const del = seen.find((r) => r.name === 'deleteSession')!;
    expect(del).toMatchObject({ method: 'DELETE', url: `${SCALE_SET}/sessions/${sessionId}?api-version=6.0-preview` });
    expect(seen.filter((r) => r.name === 'unknown')).toEqual([]);
    expect(l.snapshot()).toMatchObject({ actionsServiceUrl: b.actionsServiceUrl, scaleSetId: 7, jobsAcquired: 1 });
  });

  it('{ actionsServiceUrl, scaleSetId, token }: no registration exchange; a 401 on an admin call is an error, not a refresh', async () => {
    const b = await broker();
    const seen = record(b);
    const l = listener({ actionsServiceUrl: b.actionsServiceUrl, scaleSetId: 1, token: b.issueAdminToken() });
    l.start();
    const jobId = b.enqueueJob();
    await waitFor(() => b.acquiredJobs().includes(jobId), 'the job acquired');
    expect(seen.filter((r) => r.name === 'exchangeToken')).toEqual([]);
    expect(l.snapshot().brokerUrl).toBe(b.actionsServiceUrl.replace(/\/$/, ''));

    b.expireTokens('admin');
    const events = recordEvents(l);
    l.restart();
    await waitFor(() => events.some((e) => e.type === 'error' && e.error.callName === 'createSession' && e.error.status === 401), 'the admin 401');
    expect(seen.filter((r) => r.name === 'exchangeToken')).toEqual([]);
  });

  it('a wrong registration token is a visible 401 from runner-registration', async () => {
    const b = await broker({ registrationToken: 'right' });
    const l = listener({ githubConfigUrl: b.githubConfigUrl, registrationToken: 'wrong', scaleSetId: 1 });
    const events = recordEvents(l);
    l.start();
    await waitFor(() => events.find((e) => e.type === 'error' && e.error.callName === 'exchangeToken' && e.error.status === 401), 'the 401');
  });

  it('the fake broker refuses calls that do not speak the protocol, with a 400 that says why', async () => {
    const b = await broker();
    const token = b.issueAdminToken();
    const noVersion = await fetch(`${b.actionsServiceUrl}_apis/runtime/runnerscalesets/1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '{"ownerName":"x"}',
    });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.text()).toContain('api-version=6.0-preview is required');
    const otherSet = await fetch(`${b.actionsServiceUrl}_apis/runtime/runnerscalesets/2/sessions?api-version=6.0-preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '{}',
    });
    expect(otherSet.status).toBe(404);
    const session = (await (
      await fetch(`${b.actionsServiceUrl}_apis/runtime/runnerscalesets/1/sessions?api-version=6.0-preview`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: '{"ownerName":"x"}',
      })
    ).json()) as { messageQueueUrl: string; messageQueueAccessToken: string; statistics: Record<string, number> };
    expect(Object.keys(session.statistics).sort()).toEqual([
      'totalAcquiredJobs',
      'totalAssignedJobs',
      'totalAvailableJobs',
      'totalBusyRunners',
      'totalIdleRunners',
      'totalRegisteredRunners',
      'totalRunningJobs',
    ]);
    const noCapacity = await fetch(session.messageQueueUrl, {
      headers: { authorization: `Bearer ${session.messageQueueAccessToken}`, accept: 'application/json; api-version=6.0-preview' },
    });
    expect(noCapacity.status).toBe(400);
    expect(await noCapacity.text()).toContain('X-ScaleSetMaxCapacity');
    const polled = await fetch(session.messageQueueUrl, {
      headers: {
        authorization: `Bearer ${session.messageQueueAccessToken}`,
        accept: 'application/json; api-version=6.0-preview',
        'X-ScaleSetMaxCapacity': '1',
      },
    });
    expect(polled.status).toBe(202);
  });
});

describe('endpoints (pure)', () => {
  it('finds runner-registration where GitHub does', () => {
    expect(gitHubApiUrl('https://github.com/org', '/actions/runner-registration')).toBe('https://api.github.com/actions/runner-registration');
    expect(gitHubApiUrl('https://www.github.com/org/repo', '/x')).toBe('https://api.github.com/x');
    expect(gitHubApiUrl('https://acme.ghe.com/enterprises/e', '/x')).toBe('https://api.acme.ghe.com/x');
    expect(gitHubApiUrl('https://ghes.example:8443/org', '/x')).toBe('https://ghes.example:8443/api/v3/x');
  });

  it('builds scale-set and queue URLs, keeping what the service put in them', () => {
    expect(scaleSetUrl('https://pipelines.example/abc/', 3, 'sessions')).toBe(
      'https://pipelines.example/abc/_apis/runtime/runnerscalesets/3/sessions?api-version=6.0-preview',
    );
    expect(scaleSetUrl('https://pipelines.example/abc', 3, 'acquirejobs')).toBe(
      'https://pipelines.example/abc/_apis/runtime/runnerscalesets/3/acquirejobs?api-version=6.0-preview',
    );
    expect(pollUrl('https://q.example/queue?sessionId=s', 0)).toBe('https://q.example/queue?sessionId=s');
    expect(pollUrl('https://q.example/queue?sessionId=s', 5)).toBe('https://q.example/queue?sessionId=s&lastMessageId=5');
    expect(messageUrl('https://q.example/queue/?sessionId=s', 9)).toBe('https://q.example/queue/9?sessionId=s');
  });

  it('bad connection options get clear errors', () => {
    expect(() => resolveTarget({})).toThrow(/needs \{ actionsServiceUrl, scaleSetId, token \} or \{ githubConfigUrl, registrationToken, scaleSetId \}/);
    expect(() => resolveTarget({ actionsServiceUrl: 'https://x.example/', token: 't' })).toThrow(/scaleSetId must be a positive integer/);
    expect(() => resolveTarget({ actionsServiceUrl: 'https://x.example/', scaleSetId: 1 })).toThrow(/token must be a non-empty token/);
    expect(() => resolveTarget({ githubConfigUrl: 'https://github.com/a/b/c', registrationToken: 'r', scaleSetId: 1 })).toThrow(
      /githubConfigUrl must name an organization/,
    );
    expect(() => resolveTarget({ githubConfigUrl: 'ftp://github.com/a', registrationToken: 'r', scaleSetId: 1 })).toThrow(/must be http: or https:/);
    expect(() => resolveTarget({ actionsServiceUrl: 'https://u:p@x.example/', token: 't', scaleSetId: 1 })).toThrow(/must not carry credentials/);
    expect(() => resolveTarget({ token: 't', githubConfigUrl: 'https://github.com/a', registrationToken: 'r', scaleSetId: 1 })).toThrow(/not both/);
    expect(() => resolveTarget({ brokerUrl: 'http://127.0.0.1:1', token: 't' })).toThrow(/brokerUrl is a shorthand/);
    expect(resolveTarget({ brokerUrl: 'http://127.0.0.1:1/' })).toMatchObject({
      kind: 'registration',
      githubConfigUrl: 'http://127.0.0.1:1/flake-doctor',
      registrationUrl: 'http://127.0.0.1:1/api/v3/actions/runner-registration',
      scaleSetId: 1,
      displayUrl: 'http://127.0.0.1:1',
    });
    expect(() => new BrokerListener({ brokerUrl: 'http://127.0.0.1:1', maxRunners: -1 })).toThrow(/maxRunners/);
  });
});
