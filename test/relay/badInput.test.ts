// Bad input gets the right close code or error reply, and the relay keeps serving everyone
// else. Malformed frames are sent from raw sockets because `ws` refuses to produce them.

import { afterEach, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { RelayCloseCode, startDemoProvider } from '../../src/core/relay/index';
import { Opcode, closeCodeOf } from './helpers/frames';
import { connectRaw, type RawPeer } from './helpers/rawPeer';
import { ReplyLog, cleanup, openWs, relayForTest, until } from './helpers/wsPeers';

afterEach(cleanup);

async function closeCodeFromRelay(peer: RawPeer): Promise<number | null> {
  await peer.waitFor(() => peer.frames.some((f) => f.opcode === Opcode.close) || peer.ended, 'a Close from the relay');
  const close = peer.frames.find((f) => f.opcode === Opcode.close);
  return close ? closeCodeOf(close) : null;
}

test('malformed, unmasked, invalid UTF-8 and oversized frames close only the offending session, with the right code', async () => {
  const relay = await relayForTest({ maxPayload: 4096 });
  await startDemoProvider(relay.url, { answer: true });
  const healthy = await openWs(relay.clientUrl);
  const replies = new ReplyLog(healthy);

  const cases: { name: string; send: (peer: RawPeer) => void; code: number }[] = [
    { name: 'unmasked client frame', send: (p) => p.send(Opcode.text, '{"id":1}', { mask: false }), code: RelayCloseCode.protocolError },
    { name: 'RSV1 without an extension', send: (p) => p.send(Opcode.text, '{"id":1}', { rsv: 4 }), code: RelayCloseCode.protocolError },
    { name: 'reserved opcode', send: (p) => p.send(0x3, 'x'), code: RelayCloseCode.protocolError },
    { name: 'fragmented PING', send: (p) => p.send(Opcode.ping, 'x', { fin: false }), code: RelayCloseCode.protocolError },
    { name: 'continuation without a message', send: (p) => p.send(Opcode.continuation, 'x'), code: RelayCloseCode.protocolError },
    { name: 'invalid UTF-8 text', send: (p) => p.send(Opcode.text, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), code: RelayCloseCode.invalidPayload },
    { name: 'oversized message', send: (p) => p.send(Opcode.text, JSON.stringify({ id: 1, pad: 'p'.repeat(8192) })), code: RelayCloseCode.messageTooBig },
    {
      name: 'oversized across fragments',
      send: (p) => {
        p.send(Opcode.text, '{"id":1,"pad":"' + 'q'.repeat(3000), { fin: false });
        p.send(Opcode.continuation, 'q'.repeat(3000) + '"}');
      },
      code: RelayCloseCode.messageTooBig,
    },
  ];

  const peers = await Promise.all(cases.map(() => connectRaw(relay.clientUrl)));
  cases.forEach((c, i) => c.send(peers[i] as RawPeer));
  const codes = await Promise.all(peers.map((peer) => closeCodeFromRelay(peer)));
  expect(Object.fromEntries(cases.map((c, i) => [c.name, codes[i]]))).toEqual(Object.fromEntries(cases.map((c) => [c.name, c.code])));
  // What the relay wrote back was itself well-formed.
  expect(peers.map((p) => p.parseError)).toEqual(peers.map(() => null));

  // The relay records why each went away, and keeps serving the healthy client.
  await until(() => relay.snapshot().recentlyClosed.length === cases.length, 'all bad sessions closed');
  expect(
    relay
      .snapshot()
      .recentlyClosed.map((r) => r.code)
      .sort(),
  ).toEqual(cases.map((c) => c.code).sort());
  healthy.send(JSON.stringify({ id: 'ok', params: 42 }));
  expect((await replies.count(1))[0]).toEqual({ id: 'ok', result: 42 });
  expect(healthy.readyState).toBe(WebSocket.OPEN);
});

test('non-JSON, id-less, non-object and binary messages get an error reply and the session stays open', async () => {
  const relay = await relayForTest();
  await startDemoProvider(relay.url, { answer: true });
  const client = await openWs(relay.clientUrl);
  const replies = new ReplyLog(client);

  client.send('this is not json');
  client.send(JSON.stringify({ method: 'echo' }));
  client.send(JSON.stringify([1, 2, 3]));
  client.send(JSON.stringify({ id: '' }));
  client.send(Buffer.from([1, 2, 3]), { binary: true });
  const errors = await replies.count(5);
  expect(errors.map((r) => r.error?.code)).toEqual(['bad_json', 'missing_id', 'bad_json', 'missing_id', 'binary_not_supported']);
  expect(errors.every((r) => r.id === null && typeof r.error?.message === 'string')).toBe(true);

  client.send(JSON.stringify({ id: 9, params: 'after errors' }));
  expect((await replies.count(6))[5]).toEqual({ id: 9, result: 'after errors' });
  const session = relay.sessions().find((s) => s.role === 'client');
  expect(session?.rejected.badMessages).toBe(5);
  expect(session?.closing.state).toBe('open');
});

test('a provider sending garbage gets an error reply; replies to unknown ids are dropped', async () => {
  const relay = await relayForTest();
  const provider = await openWs(relay.providerUrl);
  const providerInbox = new ReplyLog(provider);
  provider.send('{{{');
  provider.send(JSON.stringify({ id: 'r999', result: 'late' }));
  const [first] = await providerInbox.count(1);
  expect(first?.error?.code).toBe('bad_json');
  await until(() => relay.sessions().find((s) => s.role === 'provider' && s.framesIn === 2), 'both frames read');
  expect(providerInbox.replies).toHaveLength(1);
});

test('bearer-token admission: refused without the token, admitted with header or query; unknown paths are 404', async () => {
  const relay = await relayForTest({ token: 's3cret' });
  await expect(openWs(relay.clientUrl)).rejects.toThrow(/401/);
  await expect(openWs(relay.clientUrl, { headers: { Authorization: 'Bearer wrong' } })).rejects.toThrow(/401/);
  await expect(openWs(`${relay.url}/elsewhere?token=s3cret`)).rejects.toThrow(/404/);
  const viaHeader = await openWs(relay.providerUrl, { headers: { Authorization: 'Bearer s3cret' } });
  const viaQuery = await openWs(`${relay.clientUrl}?token=s3cret`);
  expect(viaHeader.readyState).toBe(WebSocket.OPEN);
  expect(viaQuery.readyState).toBe(WebSocket.OPEN);
  expect(
    relay
      .sessions()
      .map((s) => s.role)
      .sort(),
  ).toEqual(['client', 'provider']);
  expect(relay.snapshot().tokenRequired).toBe(true);
});
