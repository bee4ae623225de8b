// The WebSocket observer in real processes: real `ws`, socket.io and undici WebSockets on
// loopback, the register module preloaded, snapshots and actions over the real bridge.
import { describe, expect, it } from 'vitest';
import { connectBridge } from '../../src/core/bridge';
import { bridgeProblems } from '../../src/core/doctor/bridgeProblems';
import { useBridgeTestbed } from '../bridge/helpers';
import { eventuallyWebSockets, lineAfter, NODES, spawnPeer, type Peer } from './webSocketHelpers';

const bed = useBridgeTestbed();

function start(node: string, args: string[], opts: { attached: boolean; nodeArgs?: string[] } = { attached: true }): { peer: Peer; dir: string } {
  const dir = bed.dir();
  const peer = spawnPeer(node, args, { register: opts.attached ? bed.scripts.register : null, dir, nodeArgs: opts.nodeArgs });
  bed.onCleanup(async () => {
    if (peer.child.exitCode === null) peer.child.kill('SIGKILL');
    await peer.exited;
  });
  return { peer, dir };
}

describe.each(Object.entries(NODES))('ws on %s', (_name, node) => {
  it('shows both ends of a ws pair: path and URL without the query, role, peer pid (itself), PINGs sent and PONGs back', async () => {
    const { peer, dir } = start(node, ['pair', '--ping', '50']);
    await peer.waitFor('open');
    const pid = peer.child.pid!;
    const [server, client] = await eventuallyWebSockets(
      pid,
      dir,
      (ws) => {
        const s = ws.find((w) => w.role === 'server');
        const c = ws.find((w) => w.role === 'client');
        return s && c && (s.heartbeat?.pongsReceived ?? 0) >= 3 && (c.heartbeat?.pingsReceived ?? 0) >= 3 ? [s, c] : undefined;
      },
      'both ends with a few heartbeats',
    );
    const port = Number(lineAfter(peer, 'listening'));
    expect(server).toMatchObject({ library: 'ws', role: 'server', url: '/feed', state: 'open', local: { address: '127.0.0.1', port }, test: null });
    expect(server.subject).toBe(`ws server /feed on 127.0.0.1:${port}`);
    expect(client).toMatchObject({ library: 'ws', role: 'client', url: `ws://127.0.0.1:${port}/feed`, peer: { address: '127.0.0.1', port, pid } });
    expect(server.peer).toMatchObject({ port: client.local!.port, pid });
    expect(server.heartbeat!.pingsSent).toBeGreaterThanOrEqual(server.heartbeat!.pongsReceived);
    expect(server.heartbeat!.intervalMs).toBeGreaterThan(0);
    expect(client.heartbeat!.intervalMs).toBeGreaterThan(0);
    expect(client.lastInboundAt).not.toBeNull();
    expect(server.queue).toMatchObject({ processBytes: 0, kernelSendBytes: expect.any(Number), kernelReceiveBytes: expect.any(Number) });
  });

  it('Probe PINGs and reports the PONG; Break closes with 4500 and the session moves to the recent list', async () => {
    const { peer, dir } = start(node, ['pair']);
    await peer.waitFor('open');
    const pid = peer.child.pid!;
    const client = await eventuallyWebSockets(pid, dir, (ws) => ws.find((w) => w.role === 'client'), 'the client end');
    const server = await eventuallyWebSockets(pid, dir, (ws) => ws.find((w) => w.role === 'server'), 'the server end');
    const bridge = await connectBridge(pid, { dir });
    try {
      const probe = await bridge.act({ target: server.id, action: 'probe' });
      expect(probe.message).toMatch(/^PONG from ws server \/feed/);
      expect(probe.details?.rttMs).toEqual(expect.any(Number));
      const broke = await bridge.act({ target: client.id, action: 'break' });
      expect(broke.message).toContain('close code 4500');
      await peer.waitFor('client closed 4500');
      await expect(bridge.act({ target: client.id, action: 'probe' })).rejects.toThrow(/has closed/);
      await expect(bridge.act({ target: 'ws:999', action: 'break' })).rejects.toThrow(/no such WebSocket/);
    } finally {
      bridge.close();
    }
    const closed = await eventuallyWebSockets(
      pid,
      dir,
      (ws) => ws.find((w) => w.id === client.id && w.state === 'closed'),
      'the closed client in the recent list',
    );
    expect(closed.closeCode).toBe(4500);
    // The code's own PING count is not raised by the probe.
    const after = await eventuallyWebSockets(pid, dir, (ws) => ws.find((w) => w.id === server.id), 'the server end');
    expect(after.heartbeat?.pingsSent ?? 0).toBe(0);
  });

  it('behaves identically with and without the preload (events, listeners left, own keys, ping method)', async () => {
    const transcripts: string[] = [];
    for (const attached of [false, true]) {
      const { peer } = start(node, ['transcript'], { attached });
      await peer.waitFor('{"server"');
      transcripts.push(
        peer
          .output()
          .split('\n')
          .find((l) => l.startsWith('{"server"'))!,
      );
    }
    expect(JSON.parse(transcripts[1]!)).toEqual(JSON.parse(transcripts[0]!));
    expect(JSON.parse(transcripts[0]!).client).toContain('close 4000');
  });
});

describe('problems, with the peer in another process', () => {
  it('a peer that stopped reading: the process and kernel queues grow → backlog, the peer named as culprit', async () => {
    const { peer: server, dir } = start(process.execPath, ['server', '--flood']);
    await server.waitFor('listening');
    const port = lineAfter(server, 'listening');
    const { peer: stuck } = start(process.execPath, ['stuck-client', `ws://127.0.0.1:${port}/slow`], { attached: false });
    await stuck.waitFor('open');
    const found = await eventuallyWebSockets(
      server.child.pid!,
      dir,
      (_ws, s) => bridgeProblems(s).find((p) => p.state === 'backlog'),
      'a backlog problem',
      30_000,
    );
    expect(found.subject).toBe(`ws server /slow on 127.0.0.1:${port}`);
    expect(found.culprit?.pid).toBe(stuck.child.pid);
    // The kernel's buffers fill first, then the process's queue.
    const ws = await eventuallyWebSockets(
      server.child.pid!,
      dir,
      (w) => (w[0] && (w[0].queue.processBytes ?? 0) > 0 ? w[0] : undefined),
      'a process-side queue',
      30_000,
    );
    expect(ws.queue.kernelSendBytes).toBeGreaterThan(0);
  });

  it('a peer that stopped answering PINGs → missed-pongs', async () => {
    const { peer: server, dir } = start(process.execPath, ['server', '--ping', '50']);
    await server.waitFor('listening');
    const { peer: client } = start(process.execPath, ['client', `ws://127.0.0.1:${lineAfter(server, 'listening')}/hb`, '--no-pong'], { attached: false });
    await client.waitFor('open');
    const found = await eventuallyWebSockets(server.child.pid!, dir, (_ws, s) => bridgeProblems(s).find((p) => p.state === 'missed-pongs'), 'missed PONGs');
    expect(found.message).toMatch(/PINGs? in a row without a PONG/);
    expect(found.culprit?.pid).toBe(client.child.pid);
  });

  it('a session silent past its own heartbeat (PINGs received, then nothing) → silent', async () => {
    const { peer: server } = start(process.execPath, ['server', '--ping', '50'], { attached: false });
    await server.waitFor('listening');
    const { peer: client, dir } = start(process.execPath, ['client', `ws://127.0.0.1:${lineAfter(server, 'listening')}/quiet`]);
    await client.waitFor('open');
    const pid = client.child.pid!;
    const before = await eventuallyWebSockets(pid, dir, (ws) => ws.find((w) => (w.heartbeat?.pingsReceived ?? 0) >= 3), 'a few PINGs received');
    expect(before.heartbeat?.intervalMs).toBeGreaterThan(0);
    server.send('stop-ping');
    const found = await eventuallyWebSockets(pid, dir, (_ws, s) => bridgeProblems(s).find((p) => p.state === 'silent'), 'a silent session');
    expect(found.subject).toMatch(/^ws client ws:\/\/127\.0\.0\.1:\d+\/quiet$/);
    expect(found.message).toMatch(/past its heartbeat/);
  });
});

describe('socket.io and undici', () => {
  it('a socket.io pair shows both ends as socket.io sessions (engine.io rides on ws)', async () => {
    const { peer, dir } = start(process.execPath, ['socketio']);
    await peer.waitFor('open hello there');
    const both = await eventuallyWebSockets(peer.child.pid!, dir, (ws) => (ws.length >= 2 ? ws : undefined), 'two sessions');
    expect(both.map((w) => [w.role, w.via, w.url.replace(/:\d+/, ':P')]).sort()).toEqual([
      ['client', 'socket.io', 'ws://127.0.0.1:P/socket.io/'],
      ['server', 'socket.io', '/socket.io/'],
    ]);
    expect(both.every((w) => w.subject.startsWith('socket.io '))).toBe(true);
  });

  it("Node 24's undici WebSocket: URL, PINGs received, Break", async () => {
    const { peer: server } = start(process.execPath, ['server', '--ping', '50'], { attached: false });
    await server.waitFor('listening');
    const port = lineAfter(server, 'listening');
    const { peer: client, dir } = start(NODES['Node 24']!, ['undici', `ws://127.0.0.1:${port}/u?k=v`]);
    await client.waitFor('open');
    const pid = client.child.pid!;
    const ws = await eventuallyWebSockets(pid, dir, (w) => w.find((x) => (x.heartbeat?.pingsReceived ?? 0) >= 2), 'an undici session with PINGs');
    expect(ws).toMatchObject({ library: 'undici', role: 'client', url: `ws://127.0.0.1:${port}/u`, peer: { port: Number(port), pid: server.child.pid } });
    const bridge = await connectBridge(pid, { dir });
    try {
      await expect(bridge.act({ target: ws.id, action: 'probe' })).rejects.toThrow(/no API to send a PING/);
      expect((await bridge.act({ target: ws.id, action: 'break' })).message).toContain('4500');
    } finally {
      bridge.close();
    }
    await client.waitFor('closed 4500');
  });

  it("Node 22's undici (before 7.12): shown from its socket, PING/PONG not tracked, with a note", async () => {
    const { peer: server } = start(process.execPath, ['server'], { attached: false });
    await server.waitFor('listening');
    const port = lineAfter(server, 'listening');
    const { peer: client, dir } = start(NODES['Node 22']!, ['undici', `ws://127.0.0.1:${port}/u`]);
    await client.waitFor('open');
    const ws = await eventuallyWebSockets(client.child.pid!, dir, (w) => w[0], 'an undici session');
    expect(ws).toMatchObject({ library: 'undici', role: 'client', url: `ws://127.0.0.1:${port}`, heartbeat: null, peer: { pid: server.child.pid } });
    expect(ws.notes.join(' ')).toMatch(/before 7\.12/);
  });
});

describe('memory', () => {
  it('after 1,000 short-lived WebSockets nothing is retained beyond the recent list', async () => {
    const { peer, dir } = start(process.execPath, ['churn', '1000'], { attached: true, nodeArgs: ['--expose-gc'] });
    await peer.waitFor('churned', 120_000);
    expect(lineAfter(peer, 'churned')).toBe('0');
    const ws = await eventuallyWebSockets(peer.child.pid!, dir, (w) => w, 'the list');
    expect(ws.length).toBeLessThanOrEqual(10);
    expect(ws.every((w) => w.state === 'closed')).toBe(true);
  }, 150_000);
});
