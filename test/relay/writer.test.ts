// The session writer's hand-over rules, against a fake socket whose buffered amount the test
// sets: data waits for the buffered amount to fall below the high-water mark; a PONG does not
// wait — it is handed over in the same call that queued it, ahead of the queued data — and
// control frames in flight are bounded, so a peer that PINGs without reading still overflows.
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { SessionWriter } from '../../src/core/relay/sessionWriter';
import { ManualScheduler } from './helpers/manualScheduler';

/** What `ws` would have written, in hand-over order, with each write's completion callback. */
class FakeWs {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  readonly written: { kind: string; payload: string; done: () => void }[] = [];
  send(payload: Buffer, _opts: unknown, cb: () => void): void {
    this.written.push({ kind: 'data', payload: payload.toString(), done: cb });
  }
  ping(payload: Buffer, _mask: boolean, cb: () => void): void {
    this.written.push({ kind: 'ping', payload: payload.toString(), done: cb });
  }
  pong(payload: Buffer, _mask: boolean, cb: () => void): void {
    this.written.push({ kind: 'pong', payload: payload.toString(), done: cb });
  }
  terminate(): void {
    this.readyState = WebSocket.CLOSED;
  }
}

function writer(controlFrames = 4): { ws: FakeWs; writer: SessionWriter } {
  const ws = new FakeWs();
  const scheduler = new ManualScheduler();
  const w = new SessionWriter(
    ws as unknown as WebSocket,
    { cork: () => undefined, uncork: () => undefined },
    { limits: { frames: 100, bytes: 1 << 20, controlFrames }, highWaterMark: 1000, writeTimeoutMs: 10_000, closeDrainMs: 100, scheduler, toEpoch: (t) => t },
    { writeTimeout: () => undefined, handedOver: () => undefined },
  );
  return { ws, writer: w };
}

describe('SessionWriter', () => {
  test('data waits for the buffered amount to fall below the high-water mark, in order', () => {
    const { ws, writer: w } = writer();
    ws.bufferedAmount = 1000;
    expect(w.sendData(Buffer.from('d1'))).toEqual({ ok: true });
    expect(w.sendData(Buffer.from('d2'))).toEqual({ ok: true });
    expect(ws.written).toEqual([]);
    ws.bufferedAmount = 0;
    w.sendData(Buffer.from('d3')); // any pump hands over everything that fits, oldest first
    expect(ws.written.map((x) => x.payload)).toEqual(['d1', 'd2', 'd3']);
  });

  test('a PONG is handed over at once behind a full socket buffer, ahead of queued data', () => {
    const { ws, writer: w } = writer();
    ws.bufferedAmount = 5000; // above the high-water mark: data must wait
    w.sendData(Buffer.from('queued'));
    expect(w.sendPong(Buffer.from('p1'))).toEqual({ ok: true });
    expect(ws.written.map((x) => `${x.kind}:${x.payload}`)).toEqual(['pong:p1']);
    expect(w.queuedFrames).toBe(1); // the data frame is still ours to reorder
    ws.bufferedAmount = 0;
    ws.written[0]?.done();
    expect(ws.written.map((x) => `${x.kind}:${x.payload}`)).toEqual(['pong:p1', 'data:queued']);
  });

  test('control frames in flight are bounded; past the bound they queue, and the control lane still overflows', () => {
    const { ws, writer: w } = writer(2);
    ws.bufferedAmount = 5000;
    for (let i = 0; i < 4; i += 1) expect(w.sendPong(Buffer.from(`p${i}`))).toEqual({ ok: true });
    expect(ws.written.map((x) => x.payload)).toEqual(['p0', 'p1']); // two in flight
    expect(w.queuedControlFrames).toBe(2);
    expect(w.sendPong(Buffer.from('p4'))).toEqual({ ok: false, limit: 'control' });
    ws.written[0]?.done(); // one completes: the next queued one goes
    expect(ws.written.map((x) => x.payload)).toEqual(['p0', 'p1', 'p2']);
  });
});
