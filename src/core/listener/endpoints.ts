// Where each call of the runner-scale-set protocol goes, as GitHub's own client
// (actions/scaleset) builds it — pure, so the URL rules are tested without a server:
//   POST   {GitHub API}/actions/runner-registration            registration token → { url, token }
//   POST   {actionsServiceUrl}/_apis/runtime/runnerscalesets/{id}/sessions?api-version=6.0-preview
//   PATCH  …/sessions/{sessionId}   DELETE …/sessions/{sessionId}   POST …/acquirejobs
//   GET    {messageQueueUrl}[?lastMessageId=N]   DELETE {messageQueueUrl}/{messageId}
// The GitHub API is api.<host> for github.com and *.ghe.com, <origin>/api/v3 for a server.

export const API_VERSION = '6.0-preview';
export const SCALE_SET_ENDPOINT = '_apis/runtime/runnerscalesets';
/** Tells the service how many runners the scale set can take (sent on every GetMessage). */
export const MAX_CAPACITY_HEADER = 'X-ScaleSetMaxCapacity';
export const QUEUE_ACCEPT = `application/json; api-version=${API_VERSION}`;
/** The config path the `brokerUrl` shorthand uses on a fake broker's origin. */
export const FAKE_CONFIG_PATH = '/flake-doctor';
/** The registration token the `brokerUrl` shorthand sends (a fake broker accepts any). */
export const FAKE_REGISTRATION_TOKEN = 'flake-doctor-fake-broker';

export interface TargetOptions {
  actionsServiceUrl?: string | undefined;
  scaleSetId?: number | undefined;
  token?: string | undefined;
  githubConfigUrl?: string | undefined;
  registrationToken?: string | undefined;
  brokerUrl?: string | undefined;
}

export type ListenerTarget =
  /** An admin token the caller already has: no registration exchange, no refresh on 401. */
  | { kind: 'token'; actionsServiceUrl: string; token: string; scaleSetId: number; displayUrl: string }
  /** A registration token exchanged at runner-registration for the service URL and an admin token. */
  | { kind: 'registration'; githubConfigUrl: string; registrationUrl: string; registrationToken: string; scaleSetId: number; displayUrl: string };

const USAGE =
  'BrokerListener needs { actionsServiceUrl, scaleSetId, token } or { githubConfigUrl, registrationToken, scaleSetId } ' +
  '(or { brokerUrl } for a fake broker started with startFakeBroker)';

function httpUrl(name: string, value: unknown): URL {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${name} must be a non-empty http(s) URL (${USAGE})`);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new TypeError(`${name} is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${name} must be http: or https: (got ${url.protocol})`);
  // Credentials in a URL end up in logs and views; tokens have their own options.
  if (url.username || url.password) throw new TypeError(`${name} must not carry credentials; pass the token as an option`);
  return url;
}

function secret(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || /\s/.test(value.trim())) throw new TypeError(`${name} must be a non-empty token without spaces`);
  return value.trim();
}

function scaleSet(value: unknown, fallback?: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new TypeError(`scaleSetId must be a positive integer (got ${JSON.stringify(value)}; ${USAGE})`);
  }
  return v;
}

const withoutTrailingSlash = (u: URL): string => u.toString().replace(/\/+$/, '');

/** GitHub's config URL rules: an org, owner/repo, or enterprises/<name>. */
function checkConfigUrl(url: URL): void {
  const parts = url.pathname
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter(Boolean);
  if (parts.length < 1 || parts.length > 2) {
    throw new TypeError(
      `githubConfigUrl must name an organization, a repository or an enterprise (https://github.com/<org>[/<repo>] or …/enterprises/<name>); got ${url.toString()}`,
    );
  }
}

function isHostedGitHub(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'github.com' || h === 'www.github.com' || h === 'github.localhost' || h.endsWith('.ghe.com');
}

/** `{GitHub API}/path` for a config URL: api.<host> when hosted, <origin>/api/v3 for a server. */
export function gitHubApiUrl(configUrl: string, path: string): string {
  const u = new URL(configUrl);
  if (isHostedGitHub(u.host)) {
    const host = u.host.toLowerCase() === 'www.github.com' ? 'api.github.com' : `api.${u.host}`;
    return `${u.protocol}//${host}${path}`;
  }
  return `${u.origin}/api/v3${path}`;
}

/** Validates the connection options (clear errors for every bad combination) and resolves them. */
export function resolveTarget(o: TargetOptions): ListenerTarget {
  const given = (v: unknown): boolean => v !== undefined && v !== null && v !== '';
  if (given(o.brokerUrl)) {
    if (given(o.actionsServiceUrl) || given(o.githubConfigUrl) || given(o.token)) {
      throw new TypeError('brokerUrl is a shorthand for a fake broker; do not combine it with actionsServiceUrl, githubConfigUrl or token');
    }
    const base = httpUrl('brokerUrl', o.brokerUrl);
    const githubConfigUrl = `${base.origin}${FAKE_CONFIG_PATH}`;
    return {
      kind: 'registration',
      githubConfigUrl,
      registrationUrl: gitHubApiUrl(githubConfigUrl, '/actions/runner-registration'),
      registrationToken: o.registrationToken === undefined ? FAKE_REGISTRATION_TOKEN : secret('registrationToken', o.registrationToken),
      scaleSetId: scaleSet(o.scaleSetId, 1),
      displayUrl: withoutTrailingSlash(base),
    };
  }
  if (given(o.token) && (given(o.githubConfigUrl) || given(o.registrationToken))) {
    throw new TypeError('give either token (with actionsServiceUrl) or githubConfigUrl + registrationToken, not both');
  }
  if (given(o.token) || given(o.actionsServiceUrl)) {
    const url = httpUrl('actionsServiceUrl', o.actionsServiceUrl);
    return {
      kind: 'token',
      actionsServiceUrl: url.toString(),
      token: secret('token', o.token),
      scaleSetId: scaleSet(o.scaleSetId),
      displayUrl: withoutTrailingSlash(url),
    };
  }
  if (given(o.githubConfigUrl) || given(o.registrationToken)) {
    const url = httpUrl('githubConfigUrl', o.githubConfigUrl);
    checkConfigUrl(url);
    const githubConfigUrl = withoutTrailingSlash(url);
    return {
      kind: 'registration',
      githubConfigUrl,
      registrationUrl: gitHubApiUrl(githubConfigUrl, '/actions/runner-registration'),
      registrationToken: secret('registrationToken', o.registrationToken),
      scaleSetId: scaleSet(o.scaleSetId),
      displayUrl: githubConfigUrl,
    };
  }
  throw new TypeError(USAGE);
}

/** `{actionsServiceUrl}/_apis/runtime/runnerscalesets/{id}/{rest}?api-version=6.0-preview`. */
export function scaleSetUrl(actionsServiceUrl: string, scaleSetId: number, rest: string): string {
  const base = new URL(actionsServiceUrl);
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}/${SCALE_SET_ENDPOINT}/${scaleSetId}/${rest}`, base);
  for (const [k, v] of base.searchParams) url.searchParams.set(k, v);
  if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', API_VERSION);
  return url.toString();
}

/** The long-poll URL: `lastMessageId` only once a message has been seen, as the reference sends it. */
export function pollUrl(messageQueueUrl: string, lastMessageId: number): string {
  const url = new URL(messageQueueUrl);
  if (lastMessageId > 0) url.searchParams.set('lastMessageId', String(lastMessageId));
  return url.toString();
}

/** `{messageQueueUrl}/{messageId}`, keeping any query the queue URL carries. */
export function messageUrl(messageQueueUrl: string, messageId: number): string {
  const url = new URL(messageQueueUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${messageId}`;
  return url.toString();
}
