// Public types of the relay core: options, close codes and the JSON-serialisable snapshot
// that every front end (VS Code view, status bar, CLI) renders. Keeping them in one file
// lets a renderer import types without pulling in `ws`.

import type { RelayProfile, RelayProtocol, RoutingKey } from './protocolProfile';
import type { PongReplySummary } from './pongReplyTimes';

export type SessionRole = 'provider' | 'client';

export interface RelayOptions {
  /** Interface to bind. Loopback by default: a relay is a test-harness component. */
  host?: string;
  /** Port to bind; 0 picks a free one (kept across `restart()`). */
  port?: number;
  /** Each frame handed to a socket must be flushed to the kernel within this many ms. */
  writeTimeoutMs?: number;
  /** Maximum data frames waiting in one session's queue (not yet handed to the socket). */
  queueLimit?: number;
  /** Maximum payload bytes waiting in one session's queue. */
  queueByteLimit?: number;
  /**
   * Maximum control frames (PING/PONG/Close) waiting in one session's queue. A peer that keeps
   * pinging without reading our PONGs would otherwise grow it without bound.
   */
  controlQueueLimit?: number;
  /** Frames are handed to the socket only while its buffered amount is below this. */
  socketHighWaterMark?: number;
  /** The relay PINGs every session this often (0 disables heartbeats). */
  heartbeatIntervalMs?: number;
  /** A session silent (no frame of any kind) for this long is terminated as half-open. */
  readTimeoutMs?: number;
  /** After queueing a Close, destroy the socket if the handshake has not completed in this time. */
  closeDrainMs?: number;
  /** A request without a reply for this long fails back to its client. */
  requestTimeoutMs?: number;
  /** How long `probeSession` waits for the PONG. */
  probeTimeoutMs?: number;
  /** Largest accepted message; bigger ones close the session with 1009. */
  maxPayload?: number;
  /** When set, every upgrade must carry `Authorization: Bearer <token>` or `?token=<token>`. */
  token?: string;
  /** Minimum spacing of `change` events, so a busy relay does not flood its renderers. */
  changeCoalesceMs?: number;
  /**
   * A connection must complete its upgrade request within this many ms, or it is cut and
   * counted (slowloris). Node's own bound is ~60–90 s.
   */
  handshakeTimeoutMs?: number;
  /**
   * Protocol preset: `flake-doctor` (/provider, /client, routed on `id`) or `origin` (providers
   * on /ws/provider, routed on `request_id`, as the origin coordinator's providers speak).
   */
  profile?: RelayProfile;
  /** Path providers connect to; overrides the profile's. */
  providerPath?: string;
  /** Path clients connect to; overrides the profile's. */
  clientPath?: string;
  /** JSON field a request and its reply share; overrides the profile's. */
  routingKey?: RoutingKey;
}

type ProtocolKeys = 'profile' | 'providerPath' | 'clientPath' | 'routingKey';

export type ResolvedRelayOptions = Required<Omit<RelayOptions, 'token' | ProtocolKeys>> & RelayProtocol & { token: string | null };

export const RELAY_DEFAULTS: Omit<ResolvedRelayOptions, 'token' | ProtocolKeys> = {
  host: '127.0.0.1',
  port: 0,
  writeTimeoutMs: 10_000,
  queueLimit: 1024,
  queueByteLimit: 16 * 1024 * 1024,
  controlQueueLimit: 128,
  socketHighWaterMark: 64 * 1024,
  heartbeatIntervalMs: 30_000,
  readTimeoutMs: 90_000,
  closeDrainMs: 100,
  requestTimeoutMs: 30_000,
  probeTimeoutMs: 10_000,
  maxPayload: 1024 * 1024,
  changeCoalesceMs: 50,
  handshakeTimeoutMs: 5_000,
};

/**
 * The block of application close codes (RFC 6455: 4000–4999 are private) that belongs to the
 * relay. It is clear of the origin coordinator's 4000–4013 and 4429, so an origin-style peer
 * never mistakes a relay verdict for one of its own reasons; codes in it that are not yet
 * used stay reserved for the relay.
 */
export const RELAY_CLOSE_CODE_BLOCK = { first: 4500, last: 4519 } as const;

/**
 * Close codes the relay itself chooses. 1xxx codes are the RFC 6455 ones; the relay's own
 * reasons live in RELAY_CLOSE_CODE_BLOCK, distinguishable from anything a peer sends.
 */
export const RelayCloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  invalidPayload: 1007,
  messageTooBig: 1009,
  serviceRestart: 1012,
  /** An operator closed the session (the extension's Break). */
  closedByOperator: 4500,
  /** A frame handed to the socket was not flushed within `writeTimeoutMs`. */
  writeTimeout: 4501,
  /** Nothing arrived for `readTimeoutMs`: the peer is presumed half-open. */
  readTimeout: 4502,
  /** The peer sent more PINGs than it read PONGs for; its control queue overflowed. */
  controlQueueOverflow: 4503,
} as const;

/** Error codes carried in `{ id, error: { code, message } }` replies to clients and providers. */
export type RelayErrorCode =
  'bad_json' | 'missing_id' | 'binary_not_supported' | 'no_provider' | 'backpressure' | 'provider_gone' | 'request_timeout' | 'client_backpressure';

export interface RelayErrorReply {
  id: string | number | null;
  error: { code: RelayErrorCode; message: string };
}

export type InboundFrameKind = 'text' | 'binary' | 'ping' | 'pong';

export type WriteDeadlineState = 'idle' | 'armed' | 'overdue';

export interface WriteDeadlineSnapshot {
  state: WriteDeadlineState;
  /** Frames handed to the socket whose write has not completed yet. */
  inFlight: number;
  /** When the oldest unfinished frame was handed over (epoch ms), or null when idle. */
  oldestHandedAt: number | null;
  /** When that frame becomes overdue (epoch ms), or null when idle. */
  dueAt: number | null;
  timeoutMs: number;
}

export type ClosingState = 'open' | 'closing' | 'closed';

export interface SessionSnapshot {
  id: string;
  role: SessionRole;
  remoteAddress: string | null;
  remotePort: number | null;
  /** Epoch ms. */
  connectedAt: number;
  lastInbound: { kind: InboundFrameKind; at: number } | null;
  lastPong: { rttMs: number; at: number } | null;
  /** Heartbeat PINGs in a row that got no PONG before the next heartbeat. */
  missedPongs: number;
  /** How long this relay took from reading a peer's PING to handing its PONG to the socket (null before the first; absent from older relays). */
  pongReply?: PongReplySummary | null;
  queue: {
    frames: number;
    bytes: number;
    controlFrames: number;
    limitFrames: number;
    limitBytes: number;
  };
  /** Bytes handed to the socket but not yet flushed to the kernel. */
  bufferedAmount: number;
  bytesIn: number;
  bytesOut: number;
  framesIn: number;
  framesOut: number;
  writeDeadline: WriteDeadlineSnapshot;
  closing: {
    state: ClosingState;
    code: number | null;
    reason: string | null;
    /** Epoch ms when closing started. */
    since: number | null;
    initiatedBy: 'relay' | 'peer' | null;
  };
  /** Requests this session is waiting on (client) or owes replies to (provider). */
  inFlightRequests: number;
  rejected: { backpressure: number; badMessages: number };
}

export interface ClosedSessionRecord {
  id: string;
  role: SessionRole;
  remoteAddress: string | null;
  connectedAt: number;
  closedAt: number;
  code: number;
  reason: string;
}

export interface RelaySnapshot {
  url: string;
  host: string;
  port: number;
  state: 'listening' | 'restarting' | 'closed';
  startedAt: number;
  restarts: number;
  tokenRequired: boolean;
  sessions: SessionSnapshot[];
  /** The most recent closes (newest first), so a renderer can say why a session went away. */
  recentlyClosed: ClosedSessionRecord[];
  requests: { inFlight: number; completed: number; failed: number };
  /** Upgrade handshakes in progress and those cut for taking longer than `timeoutMs`. */
  handshakes: { pending: number; timedOut: number; timeoutMs: number };
  /** Where peers connect and which field routes replies. */
  protocol: RelayProtocol;
}

export interface RelayEvents {
  /** Coalesced: something a renderer shows has changed. */
  change: [];
  sessionOpened: [SessionSnapshot];
  sessionClosed: [ClosedSessionRecord];
  /** A session-level error (malformed frames, write failures); the relay keeps serving others. */
  sessionError: [{ id: string; message: string }];
}
