// Problems of the WebSockets of an attached process, in the relay sessions' vocabulary:
// backlog (a peer that stopped reading: the outbound queue grows and does not drain),
// missed-pongs (the code's PINGs stopped coming back) and silent (nothing inbound for longer
// than the session's own heartbeat allows). Judged from the published facts alone.

import type { BridgeSnapshot, ObservedWebSocket } from '../../bridge/types';
import { formatBytes } from '../sessionHealth';
import { problem, type DoctorProblem, type ProcessRef } from '../problem';

/** Queued outbound bytes (process + kernel) at or above which a session is backlogged outright (the relay sessions' default). */
export const WS_BACKLOG_BYTES = 1024 * 1024;
/** Below WS_BACKLOG_BYTES: backlogged when at least this much has been queued, not shrinking, for WS_BACKLOG_GROWING_MS. */
export const WS_BACKLOG_MIN_BYTES = 64 * 1024;
export const WS_BACKLOG_GROWING_MS = 3_000;
/** Silent: nothing inbound for this many of the session's own heartbeat intervals. */
export const WS_SILENT_HEARTBEATS = 2;

function outbound(ws: ObservedWebSocket): number {
  return (ws.queue.processBytes ?? 0) + (ws.queue.kernelSendBytes ?? 0);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export interface WebSocketIssue {
  state: 'backlog' | 'missed-pongs' | 'silent';
  message: string;
}

/** What is wrong with one WebSocket at `takenAt` (nothing for a closed one: it is no longer actionable). */
export function webSocketIssues(ws: ObservedWebSocket, takenAt: number): WebSocketIssue[] {
  if (ws.state !== 'open') return [];
  const issues: WebSocketIssue[] = [];
  const queued = outbound(ws);
  const growingFor = ws.queue.growingSince === null ? 0 : takenAt - ws.queue.growingSince;
  if (queued >= WS_BACKLOG_BYTES || (queued >= WS_BACKLOG_MIN_BYTES && growingFor >= WS_BACKLOG_GROWING_MS)) {
    const where = `${formatBytes(ws.queue.processBytes ?? 0)} in the process, ${ws.queue.kernelSendBytes === null ? 'kernel unknown' : `${formatBytes(ws.queue.kernelSendBytes)} in the kernel`}`;
    issues.push({
      state: 'backlog',
      message: `backlog: ${formatBytes(queued)} queued (${where})${growingFor > 0 ? `, not draining for ${seconds(growingFor)}` : ''} (peer not reading?)`,
    });
  }
  const hb = ws.heartbeat;
  if (hb && hb.missedPongs > 0) {
    issues.push({
      state: 'missed-pongs',
      message: `${hb.missedPongs} PING${hb.missedPongs === 1 ? '' : 's'} in a row without a PONG (${hb.pingsSent} sent, ${hb.pongsReceived} PONGs)`,
    });
  }
  if (hb && hb.intervalMs !== null && hb.intervalMs > 0) {
    const quietFor = takenAt - (ws.lastInboundAt ?? ws.startedAt);
    if (quietFor > WS_SILENT_HEARTBEATS * hb.intervalMs) {
      issues.push({ state: 'silent', message: `nothing received for ${seconds(quietFor)}, past its heartbeat of ${seconds(hb.intervalMs)}` });
    }
  }
  return issues;
}

export function webSocketProblems(snapshot: BridgeSnapshot, proc: ProcessRef, key: string): DoctorProblem[] {
  const out: DoctorProblem[] = [];
  for (const ws of snapshot.webSockets ?? []) {
    for (const issue of webSocketIssues(ws, snapshot.takenAt)) {
      const peer = ws.peer?.pid != null ? { pid: ws.peer.pid, command: null } : null;
      out.push(
        problem({
          id: `sessions:${key}:${ws.id}:${issue.state}`,
          area: 'sessions',
          state: issue.state,
          subject: ws.subject,
          message: `${issue.state.replace('-', ' ')} on ${ws.subject} in pid ${snapshot.process.pid}: ${issue.message}`,
          // The peer is the culprit of a backlog (it does not read) and of missing PONGs; silence may be either end.
          culprit: issue.state === 'silent' ? null : peer,
          process: proc,
          target: ws.id,
        }),
      );
    }
  }
  return out;
}
