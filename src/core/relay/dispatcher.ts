// Request routing: a client's request goes to a provider (round robin, skipping providers
// that are closing or whose queue is full), the provider's reply with the same id goes back
// to that client. The relay renames ids on the way in, so two clients that both use `id: 1`
// never collide at a provider, and restores the client's id on the way out.
//
// Every request that cannot complete is answered: no provider, backpressure, provider gone,
// timeout. A client must never wait on a reply that cannot come.

import { errorReply, forwardParts, readMessage, type IdKey, type MessageId } from './messages';
import type { Session } from './session';
import type { RelayErrorCode } from './types';

interface PendingRequest {
  relayId: string;
  client: Session;
  clientId: MessageId;
  provider: Session;
  startedAt: number;
}

export class Dispatcher {
  private readonly providers: Session[] = [];
  private nextProvider = 0;
  private readonly pending = new Map<string, PendingRequest>();
  private readonly bySession = new Map<Session, Set<string>>();
  private seq = 0;
  completed = 0;
  failed = 0;

  constructor(
    private readonly now: () => number,
    /** The JSON field that routes (`id`, or `request_id` for origin-style peers). */
    private readonly key: IdKey = 'id',
  ) {}

  get inFlight(): number {
    return this.pending.size;
  }

  addProvider(provider: Session): void {
    this.providers.push(provider);
  }

  fromClient(client: Session, data: Buffer, isBinary: boolean): void {
    // Routing needs the id only: readMessage finds it without decoding the body when it can.
    const parsed = readMessage(data, isBinary, this.key);
    if (!parsed.ok) {
      client.rejected.badMessages += 1;
      client.send(errorReply(parsed.id, parsed.code, parsed.message, this.key));
      return;
    }
    // Hot path: no filtered copy of the provider list while every provider is open (the
    // usual case); the copy is only made when some are closing.
    const candidates = this.providers.every((p) => p.isOpen) ? this.providers : this.providers.filter((p) => p.isOpen);
    if (candidates.length === 0) {
      this.reject(client, parsed.id, 'no_provider', 'no provider is connected to the relay');
      return;
    }
    const relayId = `r${++this.seq}`;
    const forwarded = forwardParts(data, parsed, relayId, this.key);
    const count = candidates.length;
    let fullProviders = 0;
    for (let i = 0; i < count; i += 1) {
      const provider = candidates[(this.nextProvider + i) % count] as Session;
      const result = provider.send(forwarded);
      if (result.ok) {
        this.nextProvider = (this.nextProvider + i + 1) % count;
        this.track({ relayId, client, clientId: parsed.id, provider, startedAt: this.now() });
        return;
      }
      if (result.limit !== 'closed') fullProviders += 1;
      provider.rejected.backpressure += result.limit === 'closed' ? 0 : 1;
    }
    if (fullProviders > 0) {
      this.reject(client, parsed.id, 'backpressure', `every provider's write queue is full (${fullProviders} of ${count}); retry later`);
    } else {
      this.reject(client, parsed.id, 'no_provider', 'no provider could take the request (all closing)');
    }
  }

  fromProvider(provider: Session, data: Buffer, isBinary: boolean): void {
    const parsed = readMessage(data, isBinary, this.key);
    if (!parsed.ok) {
      provider.rejected.badMessages += 1;
      provider.send(errorReply(parsed.id, parsed.code, parsed.message, this.key));
      return;
    }
    const request = this.pending.get(String(parsed.id));
    // A reply to nobody (late after a timeout, or for a client that left) is dropped: answering
    // it with an error could start a ping-pong of errors with a provider that echoes them.
    if (!request || request.provider !== provider) return;
    this.untrack(request);
    const result = request.client.send(forwardParts(data, parsed, request.clientId, this.key));
    if (result.ok) {
      this.completed += 1;
      return;
    }
    this.failed += 1;
    if (result.limit !== 'closed') {
      request.client.rejected.backpressure += 1;
      provider.send(
        errorReply(parsed.id, 'client_backpressure', `client ${request.client.id} is not reading; its write queue is full and the reply was dropped`, this.key),
      );
    }
  }

  /** A session went away: its providers' requests fail back to their clients; a client's are forgotten. */
  sessionClosed(session: Session, code: number, reason: string): void {
    const index = this.providers.indexOf(session);
    if (index >= 0) this.providers.splice(index, 1);
    const ids = this.bySession.get(session);
    this.bySession.delete(session);
    if (!ids) return;
    for (const relayId of ids) {
      const request = this.pending.get(relayId);
      if (!request) continue;
      this.untrack(request);
      if (request.provider === session) {
        this.reject(
          request.client,
          request.clientId,
          'provider_gone',
          `provider ${session.id} went away before replying (close ${code}${reason ? `: ${reason}` : ''})`,
        );
      }
    }
  }

  /** Fail requests older than `timeoutMs`. Map order is insertion order, so the oldest come first. */
  sweep(timeoutMs: number): void {
    const cutoff = this.now() - timeoutMs;
    for (const request of this.pending.values()) {
      if (request.startedAt > cutoff) break;
      this.untrack(request);
      this.reject(request.client, request.clientId, 'request_timeout', `provider ${request.provider.id} did not reply within ${timeoutMs} ms`);
    }
  }

  private reject(client: Session, id: MessageId | null, code: RelayErrorCode, message: string): void {
    this.failed += 1;
    if (code === 'backpressure') client.rejected.backpressure += 1;
    // If even the error cannot be queued the client is not reading; its own write deadline
    // or read deadline will end it.
    client.send(errorReply(id, code, message, this.key));
  }

  private track(request: PendingRequest): void {
    this.pending.set(request.relayId, request);
    this.trackFor(request.client, request.relayId);
    this.trackFor(request.provider, request.relayId);
  }

  private trackFor(session: Session, relayId: string): void {
    let ids = this.bySession.get(session);
    if (!ids) {
      ids = new Set();
      this.bySession.set(session, ids);
    }
    ids.add(relayId);
    session.inFlightRequests += 1;
  }

  private untrack(request: PendingRequest): void {
    this.pending.delete(request.relayId);
    this.untrackFor(request.client, request.relayId);
    this.untrackFor(request.provider, request.relayId);
  }

  private untrackFor(session: Session, relayId: string): void {
    this.bySession.get(session)?.delete(relayId);
    session.inFlightRequests -= 1;
  }
}
