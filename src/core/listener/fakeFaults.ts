// Fault rules for the fake broker, and how each one is written onto the wire. Kept apart from
// the broker's protocol logic so a fault is one small, readable function.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BrokerCallName } from './types';

export type Fault =
  /** Read the request, then never write a byte (the origin's failure). */
  | { kind: 'stall' }
  /** Answer normally, but only after `delayMs`. */
  | { kind: 'slow'; delayMs: number }
  /** Answer with this status instead (409, 401, 429, 503, …), optionally with headers (Retry-After). */
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** 200 with a Content-Length larger than what is sent, then the connection is cut. */
  | { kind: 'truncated' }
  /** 200 with complete framing but a body that is not valid JSON. */
  | { kind: 'malformed' }
  /** Headers at once, then the real body one `chunkBytes` slice per `intervalMs`. */
  | { kind: 'trickle'; intervalMs: number; chunkBytes?: number };

/** A fault plus how many more calls it applies to (absent = until changed). */
export type FaultRule = Fault & { times?: number };

export type FaultTable = Partial<Record<BrokerCallName, FaultRule>>;

/** Writes a normal answer; the fault functions below wrap or replace it. */
export interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/**
 * Applies `fault` to one exchange. `produce` runs the protocol logic (state changes
 * included) and is only called for faults that deliver the real answer; a stall, an injected
 * status, a truncated or malformed body leave broker state untouched, as a broker that failed
 * before doing the work would.
 */
export function applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse, produce: () => Promise<Answer>, hold: (cleanup: () => void) => void): void {
  switch (fault.kind) {
    case 'stall':
      // Keep the socket open and silent; hold() lets the broker destroy it on close().
      hold(() => res.destroy());
      return;
    case 'slow': {
      const timer = setTimeout(() => void produce().then((a) => writeAnswer(res, a)), fault.delayMs);
      hold(() => clearTimeout(timer));
      req.socket.once('close', () => clearTimeout(timer));
      return;
    }
    case 'status': {
      writeAnswer(res, {
        status: fault.status,
        body: fault.body ?? JSON.stringify({ message: `injected ${fault.status}` }),
        ...(fault.headers ? { headers: fault.headers } : {}),
      });
      return;
    }
    case 'truncated': {
      const body = JSON.stringify({ message: 'this body is cut short by the fake broker', padding: 'x'.repeat(64) });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      res.write(body.slice(0, Math.floor(body.length / 2)));
      // Let the partial bytes reach the client, then cut the connection mid-body.
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    case 'malformed': {
      writeAnswer(res, { status: 200, body: '{"messageId": 1, "messageType": "RunnerScaleSet' });
      return;
    }
    case 'trickle': {
      void produce().then((answer) => {
        const bytes = Buffer.from(answer.body);
        res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': String(bytes.length) });
        res.flushHeaders();
        const step = Math.max(1, fault.chunkBytes ?? 1);
        let offset = 0;
        const timer = setInterval(() => {
          if (res.destroyed) return clearInterval(timer);
          res.write(bytes.subarray(offset, offset + step));
          offset += step;
          if (offset >= bytes.length) {
            clearInterval(timer);
            res.end();
          }
        }, fault.intervalMs);
        hold(() => clearInterval(timer));
        req.socket.once('close', () => clearInterval(timer));
      });
      return;
    }
  }
}

export function writeAnswer(res: ServerResponse, answer: Answer): void {
  if (res.destroyed || res.headersSent) return;
  if (answer.status === 202 || answer.status === 204) {
    res.writeHead(answer.status, { ...answer.headers });
    res.end();
    return;
  }
  res.writeHead(answer.status, { ...answer.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(answer.body)) });
  res.end(answer.body);
}
