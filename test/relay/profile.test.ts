// The origin protocol profile: a provider written for the origin coordinator connects to
// /ws/provider and answers on `request_id`; with `profile: 'origin'` it uses the relay
// unchanged. Real `ws` peers on loopback.

import { afterEach, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { Relay, renameId } from '../../src/core/relay/index';
import { cleanup, openWs, relayForTest, until } from './helpers/wsPeers';

afterEach(cleanup);

interface OriginMessage {
  request_id?: string | number;
  id?: unknown;
  method?: string;
  result?: unknown;
  error?: { code: string; message: string };
}

function messages(ws: WebSocket): OriginMessage[] {
  const seen: OriginMessage[] = [];
  ws.on('message', (data) => seen.push(JSON.parse(data.toString()) as OriginMessage));
  return seen;
}

test('origin profile: an origin-style provider on /ws/provider answers on request_id; replies reach the right client', async () => {
  const relay = await relayForTest({ profile: 'origin' });
  expect(relay.providerUrl).toBe(`${relay.url}/ws/provider`);
  expect(relay.snapshot().protocol).toEqual({ profile: 'origin', providerPath: '/ws/provider', clientPath: '/client', routingKey: 'request_id' });

  // The provider as the origin's providers are written: echo `request_id`, ignore any `id`.
  const provider = await openWs(`${relay.url}/ws/provider`);
  provider.on('message', (data) => {
    const request = JSON.parse(data.toString()) as OriginMessage;
    provider.send(JSON.stringify({ request_id: request.request_id, result: { method: request.method, sawId: request.id ?? null } }));
  });
  await until(() => relay.sessions().some((s) => s.role === 'provider'), 'the provider session');

  const a = await openWs(relay.clientUrl);
  const b = await openWs(relay.clientUrl);
  const fromA = messages(a);
  const fromB = messages(b);
  // Both clients use the same request_id: the relay must keep them apart.
  a.send(JSON.stringify({ request_id: 7, method: 'a', id: 'not-the-key' }));
  b.send(JSON.stringify({ request_id: 7, method: 'b' }));
  await until(() => fromA.length === 1 && fromB.length === 1, 'one reply each');
  expect(fromA[0]).toEqual({ request_id: 7, result: { method: 'a', sawId: 'not-the-key' } });
  expect(fromB[0]).toEqual({ request_id: 7, result: { method: 'b', sawId: null } });

  // A message without request_id is refused with the error under request_id too.
  a.send(JSON.stringify({ id: 1, method: 'no key' }));
  await until(() => fromA.length === 2, 'the error reply');
  expect(fromA[1]).toMatchObject({ request_id: null, error: { code: 'missing_id', message: expect.stringContaining('"request_id"') } });
});

test('the default profile still refuses /ws/provider; explicit paths and key override a profile', async () => {
  const relay = await relayForTest();
  await expect(openWs(`${relay.url}/ws/provider`)).rejects.toThrow(/HTTP 404/);

  const custom = await relayForTest({ profile: 'origin', clientPath: '/ws/client', routingKey: 'id' });
  expect(custom.snapshot().protocol).toEqual({ profile: 'origin', providerPath: '/ws/provider', clientPath: '/ws/client', routingKey: 'id' });
  await openWs(`${custom.url}/ws/client`);
});

test('bad protocol options get clear errors', () => {
  expect(() => new Relay({ profile: 'nginx' as never })).toThrow(/profile must be one of "flake-doctor", "origin"/);
  expect(() => new Relay({ providerPath: 'provider' })).toThrow(/providerPath must be an absolute URL path/);
  expect(() => new Relay({ clientPath: '/c?x=1' })).toThrow(/clientPath must be an absolute URL path/);
  expect(() => new Relay({ providerPath: '/same', clientPath: '/same' })).toThrow(/must differ/);
  expect(() => new Relay({ routingKey: 'rid' as never })).toThrow(/routingKey must be "id" or "request_id"/);
});

test('renaming a request_id copies the rest of the message as it came, and falls back when the key is ambiguous', () => {
  const data = Buffer.from('{"request_id": 7, "params": {"id": 1}}');
  const body = JSON.parse(data.toString()) as Record<string, unknown>;
  expect(renameId(data, body, 'r1', 'request_id').toString()).toBe('{"request_id": "r1", "params": {"id": 1}}');
  const nested = Buffer.from('{"request_id": 7, "inner": {"request_id": 8}}');
  expect(JSON.parse(renameId(nested, JSON.parse(nested.toString()) as Record<string, unknown>, 'r2', 'request_id').toString())).toEqual({
    request_id: 'r2',
    inner: { request_id: 8 },
  });
});
