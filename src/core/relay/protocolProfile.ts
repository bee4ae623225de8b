// Which paths peers connect to and which JSON field routes a request to its reply. The
// relay's own convention is /provider, /client and `id`; an origin-style provider (the origin
// WebSocket coordinator's) connects to /ws/provider and routes on `request_id`, so with the
// `origin` profile it can use the relay unchanged. Explicit paths or key override the profile.

export type RoutingKey = 'id' | 'request_id';
export type RelayProfile = 'flake-doctor' | 'origin';

export interface RelayProtocol {
  profile: RelayProfile;
  providerPath: string;
  clientPath: string;
  routingKey: RoutingKey;
}

export const RELAY_PROFILES: Readonly<Record<RelayProfile, Omit<RelayProtocol, 'profile'>>> = {
  'flake-doctor': { providerPath: '/provider', clientPath: '/client', routingKey: 'id' },
  // Only the provider side is the origin's: its clients spoke to the coordinator differently,
  // so clients keep the relay's /client path unless `clientPath` says otherwise.
  origin: { providerPath: '/ws/provider', clientPath: '/client', routingKey: 'request_id' },
};

const ROUTING_KEYS: readonly RoutingKey[] = ['id', 'request_id'];

function checkPath(name: string, value: string): string {
  // A plain absolute path: the query carries the token, so it cannot be part of the route.
  if (typeof value !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/.test(value) || value.includes('//')) {
    throw new RangeError(`${name} must be an absolute URL path such as "/provider" (no query, fragment or "//"; got ${JSON.stringify(value)})`);
  }
  return value;
}

/** Resolves and validates the protocol options; throws a RangeError naming the bad one. */
export function resolveProtocol(options: { profile?: RelayProfile; providerPath?: string; clientPath?: string; routingKey?: RoutingKey }): RelayProtocol {
  const profile = options.profile ?? 'flake-doctor';
  const base = RELAY_PROFILES[profile];
  if (!Object.hasOwn(RELAY_PROFILES, profile) || !base) {
    throw new RangeError(
      `profile must be one of ${Object.keys(RELAY_PROFILES)
        .map((p) => JSON.stringify(p))
        .join(', ')} (got ${JSON.stringify(profile)})`,
    );
  }
  const providerPath = checkPath('providerPath', options.providerPath ?? base.providerPath);
  const clientPath = checkPath('clientPath', options.clientPath ?? base.clientPath);
  if (providerPath === clientPath) throw new RangeError(`providerPath and clientPath must differ (both ${JSON.stringify(providerPath)})`);
  const routingKey = options.routingKey ?? base.routingKey;
  if (!ROUTING_KEYS.includes(routingKey)) {
    throw new RangeError(`routingKey must be "id" or "request_id" (got ${JSON.stringify(routingKey)})`);
  }
  return { profile, providerPath, clientPath, routingKey };
}
