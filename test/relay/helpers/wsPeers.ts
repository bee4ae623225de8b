// Small helpers around `ws` peers and relay state for the relay tests. Waiting is always on
// an event or a condition with a generous bound, never on a guess about how fast things are.

import { WebSocket } from 'ws';
import { startRelay, type Relay, type RelayOptions, type SessionSnapshot } from '../../../src/core/relay/index';

export interface Reply {
  id: string | number | null;
  result?: unknown;
  error?: { code: string; message: string };
}

const relays = new Set<Relay>();
const sockets = new Set<WebSocket>();

export async function relayForTest(options: RelayOptions = {}): Promise<Relay> {
  const relay = await startRelay({ host: '127.0.0.1', port: 0, heartbeatIntervalMs: 0, ...options });
  relays.add(relay);
  return relay;
}

/** Call from afterEach: closes every relay and socket a test opened. */
export async function cleanup(): Promise<void> {
  for (const ws of sockets) ws.terminate();
  sockets.clear();
  await Promise.all([...relays].map((relay) => relay.close()));
  relays.clear();
}

export async function openWs(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  sockets.add(ws);
  ws.on('error', () => {
    // Surfaced through the promise below or through 'close'.
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return ws;
}

/** Collects JSON replies on a ws client. */
export class ReplyLog {
  readonly replies: Reply[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(ws: WebSocket) {
    ws.on('message', (data) => {
      this.replies.push(JSON.parse(data.toString()) as Reply);
      for (const wake of this.waiters) wake();
    });
  }

  until(predicate: (replies: Reply[]) => boolean, label: string, timeoutMs = 15_000): Promise<Reply[]> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (predicate(this.replies)) {
          finish();
          resolve(this.replies);
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out waiting for ${label}; have ${JSON.stringify(this.replies).slice(0, 400)}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  count(n: number, label = `${n} replies`): Promise<Reply[]> {
    return this.until((replies) => replies.length >= n, label);
  }
}

export function closeEvent(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Poll a condition on relay state (cheap, in-process) until it holds. */
export async function until<T>(probe: () => T | undefined | null | false, label: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function sessionOf(relay: Relay, role: 'provider' | 'client', index = 0): SessionSnapshot | undefined {
  return relay.sessions().filter((s) => s.role === role)[index];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Wait until a ws peer's outgoing buffer is empty (everything it sent reached the kernel). */
export function flushed(ws: WebSocket): Promise<void> {
  return until(() => ws.bufferedAmount === 0, 'client send buffer to drain').then(() => undefined);
}
