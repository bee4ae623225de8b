// flake-doctor/relay: a WebSocket relay with one writer per session.
// Providers connect to /provider, clients to /client; see server.ts for the handle's actions.
// FLAKE_DOCTOR_BRIDGE=1 publishes this process's cores over the bridge (see bridge/autostart.ts).
import '../bridge/autostart';

export { startRelay, Relay, isValidCloseCode, type RelayHandle } from './server';
export {
  RELAY_DEFAULTS,
  RelayCloseCode,
  RELAY_CLOSE_CODE_BLOCK,
  type RelayOptions,
  type ResolvedRelayOptions,
  type RelayEvents,
  type RelaySnapshot,
  type SessionSnapshot,
  type SessionRole,
  type ClosedSessionRecord,
  type WriteDeadlineSnapshot,
  type WriteDeadlineState,
  type ClosingState,
  type InboundFrameKind,
  type RelayErrorCode,
  type RelayErrorReply,
} from './types';
export { parseMessage, withId, renameId, errorReply, type ParsedMessage, type MessageId, type IdKey } from './messages';
export { admit, type Admission, type RolePaths } from './admission';
export { RELAY_PROFILES, resolveProtocol, type RelayProfile, type RelayProtocol, type RoutingKey } from './protocolProfile';
export { HandshakeGuard, type HandshakeCounts } from './handshakeGuard';
export { PongReplyTimes, type PongReplySummary } from './pongReplyTimes';
export { FrameQueue, type OutboundFrame, type EnqueueResult, type FrameQueueLimits } from './frameQueue';
export { WriteDeadline, type OverdueWrite } from './writeDeadline';
export { realScheduler, type Scheduler, type TimerHandle } from './scheduler';
export { startDemoProvider, startDemoClient, type DemoProvider, type DemoProviderOptions, type DemoClient, type DemoClientOptions } from './demo';
