// WebSocket Sessions rows for the WebSockets an attached process's own code opened (ws,
// socket.io, undici), next to its relays' sessions. Plain data like the relay rows; the states
// come from the core's judgement (webSocketIssues), so the rows, the problem list and the CLI agree.

import type { ObservedWebSocket } from '../../core/bridge';
import { webSocketIssues } from '../../core/doctor/observed/webSocketProblems';
import { STATE_WORDS, worstSeverity } from '../../core/doctor/problem';
import { formatBytes } from '../../core/doctor/sessionHealth';
import { coarseAge } from '../common/format';
import { SEVERITY_ICON } from '../problems/problem';
import type { AttachedProcess } from './bridgeModel';
import type { RowContext, RowSpec } from './attachedRows';

function queued(ws: ObservedWebSocket): string | null {
  const p = ws.queue.processBytes ?? 0;
  const k = ws.queue.kernelSendBytes ?? 0;
  if (p + k === 0) return null;
  return `${formatBytes(p + k)} queued (${formatBytes(p)} process, ${ws.queue.kernelSendBytes === null ? 'kernel ?' : `${formatBytes(k)} kernel`})`;
}

function description(ws: ObservedWebSocket, issues: string[], now: number): string {
  const hb = ws.heartbeat;
  return [
    issues.length ? issues.join(', ').toUpperCase() : null,
    ws.state === 'open' ? null : ws.state,
    ws.role,
    ws.peer?.pid != null ? `peer pid ${ws.peer.pid}` : ws.peer ? `peer ${ws.peer.address}:${ws.peer.port}` : null,
    queued(ws),
    ws.lastInboundAt !== null ? `in ${coarseAge(now - ws.lastInboundAt)} ago` : 'nothing in yet',
    hb && hb.pingsSent > 0 ? `${hb.pingsSent} PING / ${hb.pongsReceived} PONG` : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

function tooltip(ws: ObservedWebSocket, pid: number): string {
  const hb = ws.heartbeat;
  const lines = [
    `**${ws.subject}** in pid ${pid}`,
    `${ws.role} (${ws.library}${ws.via ? `, ${ws.via}` : ''}), ${ws.state}, since ${new Date(ws.startedAt).toISOString()}${ws.test ? `, started in test ${ws.test.name} (${ws.test.file})` : ''}`,
    ws.local ? `local ${ws.local.address}:${ws.local.port}` : null,
    ws.peer ? `peer ${ws.peer.address}:${ws.peer.port}${ws.peer.pid != null ? ` (pid ${ws.peer.pid})` : ''}` : null,
    `queued: ${ws.queue.processBytes === null ? '?' : formatBytes(ws.queue.processBytes)} in the process, ${ws.queue.kernelSendBytes === null ? '?' : formatBytes(ws.queue.kernelSendBytes)} in the kernel; ${ws.queue.kernelReceiveBytes === null ? '?' : formatBytes(ws.queue.kernelReceiveBytes)} unread`,
    hb
      ? `PINGs sent ${hb.pingsSent}, PONGs received ${hb.pongsReceived}, PINGs received ${hb.pingsReceived}${hb.intervalMs !== null ? `, heartbeat ${(hb.intervalMs / 1000).toFixed(1)} s` : ''}`
      : null,
    ...ws.notes,
  ];
  return lines.filter(Boolean).join('\n\n');
}

/** The rows for one process's observed WebSockets, under `parentId` (the process row). */
export function observedWebSocketRows(p: AttachedProcess, parentId: string, ctx: RowContext): RowSpec[] {
  const takenAt = p.snapshot?.takenAt ?? ctx.now;
  return (p.snapshot?.webSockets ?? []).map((ws) => {
    const issues = webSocketIssues(ws, takenAt).map((i) => i.state);
    const worst = worstSeverity(issues);
    const look = worst
      ? SEVERITY_ICON[worst]
      : ws.state === 'open'
        ? { icon: 'plug', color: 'charts.green' }
        : { icon: 'debug-disconnect', color: 'disabledForeground' };
    const health = ws.state !== 'open' ? 'closing' : issues.length ? 'warning' : 'ok';
    const desc = description(
      ws,
      issues.map((s) => STATE_WORDS[s]),
      ctx.now,
    );
    return {
      id: `${parentId}/${ws.id}`,
      parentId,
      label: ws.subject,
      description: desc,
      icon: look.icon,
      color: look.color,
      // The relay sessions' menus (Probe, Break) apply: the bridge routes ws:<n> targets to the observer.
      contextValue: `attachedSession.${health}`,
      hasChildren: false,
      accessibility: `WebSocket ${ws.subject} in pid ${p.entry.pid}, ${desc}`,
      tooltip: () => tooltip(ws, p.entry.pid),
      processKey: p.key,
      target: ws.id,
      what: ws.subject,
    };
  });
}

/** How many of a process's observed WebSockets have a problem now. */
export function unhealthyWebSockets(p: AttachedProcess): number {
  const takenAt = p.snapshot?.takenAt ?? Date.now();
  return (p.snapshot?.webSockets ?? []).filter((ws) => webSocketIssues(ws, takenAt).length > 0).length;
}
