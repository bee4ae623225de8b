// The origin's serialisation regression, checked at the wire: PONGs written while data frames
// were being written corrupted the framing. A provider built from a raw TCP socket and the
// tests' own frame parser pings the relay 200 times while 200 client requests make the relay
// write it 200 data frames (some large enough to back the socket up, so control frames really
// do overtake queued data). Every byte must parse, data must stay in order, and every PING
// must get exactly one PONG carrying its payload.

import { afterEach, expect, test } from 'vitest';
import { Opcode, type WireFrame } from './helpers/frames';
import { connectRaw } from './helpers/rawPeer';
import { ReplyLog, cleanup, openWs, relayForTest, sessionOf, until } from './helpers/wsPeers';

afterEach(cleanup);

const COUNT = 200;

function filler(seq: number): string {
  // Every tenth request is ~60 KB: the relay's socket to the provider then holds more than
  // the writer's high-water mark and frames queue, which is when ordering is decided.
  return seq % 10 === 0 ? 'x'.repeat(60_000) : 'y'.repeat(40);
}

test('200 PINGs against 200 data frames: every byte parses, data in order, one PONG per PING', async () => {
  const relay = await relayForTest({ heartbeatIntervalMs: 0, probeTimeoutMs: 300 });
  const provider = await connectRaw(relay.providerUrl);
  await until(() => sessionOf(relay, 'provider'), 'provider session');

  // The raw provider answers each request so the client sees the full round trip.
  provider.on('frame', (frame: WireFrame) => {
    if (frame.opcode !== Opcode.text) return;
    const request = JSON.parse(frame.payload.toString()) as { id: string; params: { seq: number } };
    provider.send(Opcode.text, JSON.stringify({ id: request.id, result: request.params.seq }));
  });

  const client = await openWs(relay.clientUrl);
  const replies = new ReplyLog(client);
  const pings = Array.from({ length: COUNT }, (_, i) => Buffer.from(`ping-${i.toString().padStart(3, '0')}`));

  const sendRequests = async (): Promise<void> => {
    for (let seq = 0; seq < COUNT; seq += 1) {
      client.send(JSON.stringify({ id: seq, params: { seq, filler: filler(seq) } }));
      if (seq % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const sendPings = async (): Promise<void> => {
    for (let i = 0; i < COUNT; i += 1) {
      provider.send(Opcode.ping, pings[i] as Buffer);
      if (i % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all([sendRequests(), sendPings()]);

  const dataFrames = (): WireFrame[] => provider.frames.filter((f) => f.opcode === Opcode.text);
  const pongFrames = (): WireFrame[] => provider.frames.filter((f) => f.opcode === Opcode.pong);
  await provider.waitFor(() => dataFrames().length >= COUNT && pongFrames().length >= COUNT, '200 data frames and 200 PONGs');
  await replies.count(COUNT);

  // Every byte received so far parsed as valid frames (the parser throws on anything else).
  expect(provider.parseError).toBeNull();
  expect(provider.frames.map((f) => f.opcode).filter((op) => op !== Opcode.text && op !== Opcode.pong)).toEqual([]);

  // Data frames: whole messages, in the order the client sent them.
  const seqs = dataFrames().map((f) => {
    expect(f.fin).toBe(true);
    return (JSON.parse(f.payload.toString()) as { params: { seq: number } }).params.seq;
  });
  expect(seqs).toEqual(Array.from({ length: COUNT }, (_, i) => i));

  // Exactly one PONG per PING, each carrying its PING's payload, in PING order.
  expect(pongFrames().map((f) => f.payload.toString())).toEqual(pings.map((p) => p.toString()));

  // Nothing more is on its way: a PING the relay sends now travels the same control lane
  // behind any PONG still queued, so once it arrives a duplicate PONG would have arrived too.
  const probe = relay.probeSession((sessionOf(relay, 'provider') ?? { id: '' }).id).catch((error: Error) => error);
  await provider.waitFor(() => provider.frames.some((f) => f.opcode === Opcode.ping), "the relay's own PING");
  expect(pongFrames()).toHaveLength(COUNT);
  expect(provider.parseError).toBeNull();
  expect(await probe).toBeInstanceOf(Error); // the raw provider never answers the relay's PING

  // The client got every reply, each for its own id.
  const ids = replies.replies.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
  expect(ids).toEqual(Array.from({ length: COUNT }, (_, i) => i));
  expect(replies.replies.every((r) => r.result === r.id)).toBe(true);
  expect(sessionOf(relay, 'provider')?.closing.state).toBe('open');
});
