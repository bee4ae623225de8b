// Demo peers for the relay, used by the demo launcher, the end-to-end test and the benchmark:
// a provider that answers (or stops answering, or stops reading altogether) and a client
// that sends a steady trickle of requests. They are ordinary `ws` peers, nothing privileged.

import { WebSocket } from 'ws';

function endpoint(url: string, role: 'provider' | 'client', token: string | undefined): string {
  const parsed = new URL(url);
  if (parsed.pathname !== `/${role}`) parsed.pathname = `/${role}`;
  if (token !== undefined) parsed.searchParams.set('token', token);
  return parsed.toString();
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.off('error', reject);
      resolve();
    });
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => ws.once('close', () => resolve()));
}

export interface DemoProviderOptions {
  /** Reply to requests (`false`: read them and never reply — a provider that stops answering). */
  answer: boolean;
  /**
   * Stop reading from the socket entirely: the relay's queue for it backs up, its PINGs go
   * unanswered and its writes eventually time out. Stronger than `answer: false`.
   */
  stopReading?: boolean;
  /**
   * Keep reading but never answer the relay's heartbeat PINGs (no automatic PONG): the session
   * is flagged for missed PONGs, yet the peer still sees every Close, so it can reconnect after
   * Break, Restart or the relay's read deadline — and be stuck again, as the real peer would.
   */
  ignorePings?: boolean;
  token?: string;
}

export interface DemoProvider {
  readonly ws: WebSocket;
  readonly received: number;
  readonly answered: number;
  setAnswering(answer: boolean): void;
  setReading(reading: boolean): void;
  close(): Promise<void>;
}

/** Connect a provider that echoes each request's `params` back as `result`. */
export async function startDemoProvider(url: string, options: DemoProviderOptions): Promise<DemoProvider> {
  const ws = new WebSocket(endpoint(url, 'provider', options.token), { autoPong: !options.ignorePings });
  let answering = options.answer;
  let received = 0;
  let answered = 0;
  ws.on('error', () => {
    // A demo peer outliving its relay is normal; `close` reports the end.
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    received += 1;
    if (!answering) return;
    let request: { id?: unknown; params?: unknown; error?: unknown };
    try {
      request = JSON.parse(data.toString()) as typeof request;
    } catch {
      return;
    }
    // Never answer the relay's own error notices, or two peers could trade errors forever.
    if (request.id === undefined || request.error !== undefined) return;
    ws.send(JSON.stringify({ id: request.id, result: request.params ?? null }));
    answered += 1;
  });
  await opened(ws);
  if (options.stopReading) ws.pause();
  return {
    ws,
    get received() {
      return received;
    },
    get answered() {
      return answered;
    },
    setAnswering(answer: boolean) {
      answering = answer;
    },
    setReading(reading: boolean) {
      if (reading) ws.resume();
      else ws.pause();
    },
    async close() {
      ws.resume();
      ws.close(1000, 'demo provider done');
      const timer = setTimeout(() => ws.terminate(), 1000);
      await closed(ws);
      clearTimeout(timer);
    },
  };
}

export interface DemoClientOptions {
  /** Send one request this often. */
  intervalMs: number;
  token?: string;
}

export interface DemoClient {
  readonly ws: WebSocket;
  readonly sent: number;
  readonly replies: number;
  readonly errors: number;
  readonly lastError: string | null;
  close(): Promise<void>;
}

/** Connect a client that sends `{ id, method: 'echo', params }` every `intervalMs`. */
export async function startDemoClient(url: string, options: DemoClientOptions): Promise<DemoClient> {
  const ws = new WebSocket(endpoint(url, 'client', options.token));
  let sent = 0;
  let replies = 0;
  let errors = 0;
  let lastError: string | null = null;
  ws.on('error', () => {
    // See startDemoProvider.
  });
  ws.on('message', (data) => {
    try {
      const reply = JSON.parse(data.toString()) as { error?: { message?: string } };
      if (reply.error) {
        errors += 1;
        lastError = reply.error.message ?? 'error';
      } else {
        replies += 1;
      }
    } catch {
      errors += 1;
    }
  });
  await opened(ws);
  const timer = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN) return;
    sent += 1;
    ws.send(JSON.stringify({ id: sent, method: 'echo', params: { n: sent, at: Date.now() } }));
  }, options.intervalMs);
  ws.once('close', () => clearInterval(timer));
  return {
    ws,
    get sent() {
      return sent;
    },
    get replies() {
      return replies;
    },
    get errors() {
      return errors;
    },
    get lastError() {
      return lastError;
    },
    async close() {
      clearInterval(timer);
      ws.close(1000, 'demo client done');
      const killer = setTimeout(() => ws.terminate(), 1000);
      await closed(ws);
      clearTimeout(killer);
    },
  };
}
