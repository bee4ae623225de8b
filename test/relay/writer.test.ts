// The session writer's hand-over rules, against a fake socket whose buffered amount the test
// sets: data waits for the buffered amount to fall below the high-water mark; a PONG does not
// wait — it is handed over in the same call that queued it, ahead of the queued data — and
// control frames in flight are bounded, so a peer that PINGs without reading still overflows.
// Write completions hand over no data: queued data goes on the next event-loop turn, which the
// tests run by hand, so a PING read in between is answered ahead of it.
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { SessionWriter } from '../../src/core/relay/sessionWriter';
import { FrameParser, Opcode } from './helpers/frames';
import { ManualScheduler } from './helpers/manualScheduler';

type Written = { kind: string; payload: string; done: () => void };

/** What `ws` would have written (PING, PONG), in hand-over order, with each write's completion callback. */
class FakeWs {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  readonly written: Written[] = [];
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

/**
 * The socket under the fake `ws`: the writer writes data frames to it itself. Each frame's bytes
 * are parsed by the tests' own frame parser and logged in the same list as PINGs and PONGs; the
 * frame's last chunk carries its completion callback.
 */
class FakeSocket {
  private readonly parser = new FrameParser();
  constructor(private readonly ws: FakeWs) {}
  cork(): void {}
  uncork(): void {}
  write(chunk: Buffer, cb?: () => void): boolean {
    const frames = this.parser.push(chunk);
    if (cb) {
      expect(frames.map((f) => [f.opcode, f.fin])).toEqual([[Opcode.text, true]]); // whole frames, one per message
      this.ws.written.push({ kind: 'data', payload: (frames[0]?.payload ?? Buffer.alloc(0)).toString(), done: cb });
    } else {
      expect(frames).toEqual([]);
    }
    return true;
  }
}

function writer(controlFrames = 4): { ws: FakeWs; writer: SessionWriter; nextTurn: () => void } {
  const ws = new FakeWs();
  const scheduler = new ManualScheduler();
  let turn: (() => void)[] = [];
  const w = new SessionWriter(
    ws as unknown as WebSocket,
    new FakeSocket(ws),
    {
      limits: { frames: 100, bytes: 1 << 20, controlFrames },
      highWaterMark: 1000,
      writeTimeoutMs: 10_000,
      closeDrainMs: 100,
      scheduler,
      toEpoch: (t) => t,
      nextTurn: (fn) => turn.push(fn),
    },
    { writeTimeout: () => undefined, handedOver: () => undefined },
  );
  const nextTurn = (): void => {
    const due = turn;
    turn = [];
    for (const fn of due) fn();
  };
  return { ws, writer: w, nextTurn };
}

const log = (ws: FakeWs): string[] => ws.written.map((x) => `${x.kind}:${x.payload}`);

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

  test('a message given as pieces goes out as one whole frame, for every length encoding', () => {
    const { ws, writer: w } = writer();
    for (const size of [0, 125, 126, 1023, 1024, 65_535, 65_536, 70_000]) {
      const body = 'x'.repeat(size);
      w.sendData([Buffer.from('{"id":'), Buffer.from('"r1"'), Buffer.from(`,"b":"${body}"}`)]);
      w.sendData(Buffer.from(body)); // and as one buffer
      ws.written.forEach((x) => x.done());
    }
    const expected = [0, 125, 126, 1023, 1024, 65_535, 65_536, 70_000].flatMap((size) => [
      `data:{"id":"r1","b":"${'x'.repeat(size)}"}`,
      `data:${'x'.repeat(size)}`,
    ]);
    expect(log(ws)).toEqual(expected);
  });

  test('a PONG is handed over at once behind a full socket buffer, ahead of queued data', () => {
    const { ws, writer: w, nextTurn } = writer();
    ws.bufferedAmount = 5000; // above the high-water mark: data must wait
    w.sendData(Buffer.from('queued'));
    expect(w.sendPong(Buffer.from('p1'))).toEqual({ ok: true });
    expect(log(ws)).toEqual(['pong:p1']);
    expect(w.queuedFrames).toBe(1); // the data frame is still ours to reorder
    ws.bufferedAmount = 0;
    ws.written[0]?.done();
    nextTurn();
    expect(log(ws)).toEqual(['pong:p1', 'data:queued']);
  });

  test('a write completion hands over no data: the next turn does, so a PING read in between is answered first', () => {
    const { ws, writer: w, nextTurn } = writer();
    w.sendData(Buffer.from('d0')); // handed over at once: the socket is empty
    ws.bufferedAmount = 5000; // then the socket backs up and more data queues
    for (const d of ['d1', 'd2', 'd3']) w.sendData(Buffer.from(d));
    expect(log(ws)).toEqual(['data:d0']);
    // The kernel takes everything at once and d0's write completes (on the next tick, in Node).
    // Handing over d1.. from here is how a fast-accepting socket was fed from the tick queue,
    // frame after frame, without the event loop ever reading the PING already waiting.
    ws.bufferedAmount = 0;
    ws.written[0]?.done();
    expect(log(ws)).toEqual(['data:d0']);
    // The poll phase reads a PING: its PONG goes ahead of everything still queued (the data
    // follows it in the same pump, as the socket has room).
    w.sendPong(Buffer.from('p'));
    expect(log(ws)).toEqual(['data:d0', 'pong:p', 'data:d1', 'data:d2', 'data:d3']);
    nextTurn(); // nothing left for the scheduled turn
    expect(log(ws)).toHaveLength(5);
  });

  test('without a PING, the next turn carries the queued data on', () => {
    const { ws, writer: w, nextTurn } = writer();
    w.sendData(Buffer.from('d0'));
    ws.bufferedAmount = 5000;
    w.sendData(Buffer.from('d1'));
    ws.bufferedAmount = 0;
    ws.written[0]?.done();
    expect(log(ws)).toEqual(['data:d0']);
    nextTurn();
    expect(log(ws)).toEqual(['data:d0', 'data:d1']);
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
