// The pure parts of WebSocket observing: the /proc/net/tcp connection parser, the judgement of
// a published WebSocket, and the WebSocket Sessions rows built from it.
import { describe, expect, it } from 'vitest';
import type { BridgeSnapshot, ObservedWebSocket } from '../../src/core/bridge/types';
import { webSocketIssues, webSocketProblems } from '../../src/core/doctor/observed/webSocketProblems';
import { parseTcpConnections } from '../../src/core/observe/socketQueues';
import { attachedSessionRows } from '../../src/extension/bridge/attachedRows';
import type { AttachedProcess } from '../../src/extension/bridge/bridgeModel';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 0100007F:B3A2 01 0004A000:00000010 00:00000000 00000000  1000        0 4242 1 0000000000000000 20 4 30 10 -1
   1: garbage
   2: 0100007F:B3A2 0100007F:1F90 01 00000000:00200000 00:00000000 00000000  1000        0 4343 1 0000000000000000 20 4 30 10 -1`;

function ws(over: Partial<ObservedWebSocket> = {}): ObservedWebSocket {
  return {
    id: 'ws:1',
    subject: 'ws server /feed on 127.0.0.1:8080',
    startedAt: 1_000,
    test: null,
    library: 'ws',
    role: 'server',
    url: '/feed',
    local: { address: '127.0.0.1', port: 8080 },
    peer: { address: '127.0.0.1', port: 46_002, pid: 77 },
    state: 'open',
    queue: { processBytes: 0, kernelSendBytes: 0, kernelReceiveBytes: 0, growingSince: null },
    lastInboundAt: 9_900,
    heartbeat: { pingsSent: 10, pongsReceived: 10, pingsReceived: 0, lastPingSentAt: 9_900, lastPongAt: 9_900, missedPongs: 0, intervalMs: 1_000 },
    notes: [],
    ...over,
  };
}

describe('parseTcpConnections', () => {
  it('keys rows local>remote with both queues and the inode; skips malformed lines', () => {
    const rows = parseTcpConnections(TCP);
    expect(rows.size).toBe(2);
    expect(rows.get('127.0.0.1:8080>127.0.0.1:45986')).toEqual({
      local: '127.0.0.1:8080',
      remote: '127.0.0.1:45986',
      sendBytes: 0x4a000,
      receiveBytes: 0x10,
      inode: 4242,
    });
    expect(rows.get('127.0.0.1:45986>127.0.0.1:8080')?.receiveBytes).toBe(0x200000);
  });
});

describe('webSocketIssues', () => {
  it('a healthy session has none', () => {
    expect(webSocketIssues(ws(), 10_000)).toEqual([]);
  });
  it('backlog: 1 MiB queued at once, or 64 KiB not draining for 3 s', () => {
    expect(
      webSocketIssues(ws({ queue: { processBytes: 512 * 1024, kernelSendBytes: 512 * 1024, kernelReceiveBytes: 0, growingSince: 9_999 } }), 10_000).map(
        (i) => i.state,
      ),
    ).toEqual(['backlog']);
    const small = { processBytes: 0, kernelSendBytes: 100 * 1024, kernelReceiveBytes: 0 };
    expect(webSocketIssues(ws({ queue: { ...small, growingSince: 7_500 } }), 10_000)).toEqual([]);
    expect(webSocketIssues(ws({ queue: { ...small, growingSince: 7_000 } }), 10_000)[0]?.message).toMatch(/not draining for 3\.0 s/);
  });
  it('missed-pongs and silent, from the session’s own heartbeat', () => {
    const hb = { pingsSent: 10, pongsReceived: 7, pingsReceived: 0, lastPingSentAt: 9_900, lastPongAt: 7_000, missedPongs: 2, intervalMs: 1_000 };
    expect(webSocketIssues(ws({ heartbeat: hb, lastInboundAt: 7_000 }), 10_000).map((i) => i.state)).toEqual(['missed-pongs', 'silent']);
    expect(webSocketIssues(ws({ heartbeat: { ...hb, missedPongs: 0 }, lastInboundAt: 8_100 }), 10_000)).toEqual([]);
  });
  it('a closed session is no longer judged', () => {
    expect(webSocketIssues(ws({ state: 'closed', lastInboundAt: 0 }), 10_000)).toEqual([]);
  });
});

describe('problems and rows', () => {
  const snapshot = {
    takenAt: 10_000,
    process: { pid: 42, threadId: 0, command: 'node app.js' },
    webSockets: [
      ws({ heartbeat: { pingsSent: 5, pongsReceived: 2, pingsReceived: 0, lastPingSentAt: 9_900, lastPongAt: 9_000, missedPongs: 2, intervalMs: 1_000 } }),
    ],
    relays: [],
  } as unknown as BridgeSnapshot;

  it('a problem names the peer as culprit and the WebSocket as the act() target', () => {
    const [p] = webSocketProblems(snapshot, { pid: 42, command: 'node app.js' }, '42');
    expect(p).toMatchObject({ id: 'sessions:42:ws:1:missed-pongs', area: 'sessions', state: 'missed-pongs', culprit: { pid: 77 }, target: 'ws:1' });
  });

  it('WebSocket Sessions lists a process with WebSockets and no relay, its rows carrying Probe/Break context', () => {
    const proc = {
      key: '42',
      entry: { pid: 42, threadId: 0, command: 'node app.js', cwd: null, startedAt: null, socketPath: '/x' },
      snapshot,
    } as unknown as AttachedProcess;
    const rows = attachedSessionRows([proc], { now: 10_000, workspaceRoot: null, health: { backlogWarningBytes: 1024 * 1024 } });
    expect(rows.map((r) => r.label).slice(1)).toEqual(['ws server /feed on 127.0.0.1:8080']);
    expect(rows[0]?.description).toBe('1 WebSocket · 1 unhealthy');
    expect(rows[1]).toMatchObject({ contextValue: 'attachedSession.warning', target: 'ws:1', icon: 'warning' });
    expect(rows[1]?.description).toMatch(/^MISSED PONGS · server · peer pid 77/);
  });
});
