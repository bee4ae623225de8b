// The rows an attached process contributes to Broker Calls and WebSocket Sessions, as plain
// data (no `vscode`): the tree turns each spec into one long-lived row and redraws a row only
// when its label, description, icon or menus change. Tooltips are kept out of that signature:
// they are rebuilt lazily when hovered, so an age ticking in a tooltip never closes it.

import type { BridgeHttpCall, BridgeListener, BridgeListenerCall, BridgeRelay, BridgeSession } from '../../core/bridge';
import { classifySession, type HealthThresholds, type SessionHealth } from '../../core/doctor/sessionHealth';
import type { CallSnapshot } from '../../core/listener';
import { callTooltipMarkdown, listenerDescription, listenerTooltipMarkdown } from '../calls/callsFormat';
import { coarseAge, formatDuration } from '../common/format';
import { sessionDescription, sessionTooltipMarkdown } from '../sessions/sessionsFormat';
import { PROBLEM_SEVERITY, worstSeverity } from '../../core/doctor/problem';
import { SEVERITY_ICON } from '../problems/problem';
import type { AttachedProcess } from './bridgeModel';

/** A stalled call looks like its state's one severity, everywhere. */
const STALLED = SEVERITY_ICON[PROBLEM_SEVERITY.stalled];
import { processName, processTooltipMarkdown } from './attachedFormat';
import { observedWebSocketRows, unhealthyWebSockets } from './observedWebSocketRows';

export interface RowSpec {
  id: string;
  parentId: string | null;
  label: string;
  description: string;
  icon: string;
  color?: string;
  /** Matched by the menus' `when` clauses: attachedProcess, attachedCall.<state>, attachedListener, attachedRelay, attachedSession.<health>. */
  contextValue: string;
  hasChildren: boolean;
  accessibility: string;
  tooltip: () => string;
  processKey: string;
  /** The bridge target for actions on this row. */
  target?: string;
  /** What the row is, for confirmations ("GET http://…", "provider s3 on ws://…"). */
  what?: string;
}

export interface RowContext {
  now: number;
  workspaceRoot: string | null;
  health: HealthThresholds;
}

const PHASE: Record<CallSnapshot['phase'], string> = { 'awaiting-headers': 'no answer yet', 'receiving-body': 'receiving body', done: 'done' };

/** A published HTTP call as the listener core's CallSnapshot, so the calls view's tooltip renders it. */
export function asCallSnapshot(call: BridgeHttpCall): CallSnapshot {
  return { ...call, name: `${call.method} ${call.url}`, kind: 'external', endedAt: null, outcome: null, error: null };
}

function callRow(p: AttachedProcess, parentId: string, call: CallSnapshot, target: string, ctx: RowContext): RowSpec {
  const age = coarseAge(ctx.now - call.startedAt);
  const bound = call.deadlineAt !== null ? ` / ${formatDuration(call.deadlineAt - call.startedAt)}` : '';
  const state = call.stalled ? 'stalled' : 'inflight';
  // Which client made it: node:http (axios, got, supertest, …) is named; undici/fetch is the default.
  const source = call.source === 'node:http' ? 'node:http' : null;
  const description = [call.stalled ? 'STALLED' : null, `${age}${bound}`, PHASE[call.phase], source].filter(Boolean).join(' · ');
  return {
    id: `${parentId}/${target}`,
    parentId,
    // The distinguishing fact first: what is called; the process is the parent row.
    label: call.kind === 'external' ? `${call.method} ${call.url}` : call.name,
    description,
    icon: call.stalled ? STALLED.icon : call.kind === 'long-poll' ? 'watch' : 'arrow-swap',
    color: call.stalled ? STALLED.color : undefined,
    contextValue: `attachedCall.${state}`,
    hasChildren: false,
    accessibility: `${call.method} ${call.url}, ${description}, in pid ${p.entry.pid}`,
    tooltip: () => callTooltipMarkdown(call, Date.now()),
    processKey: p.key,
    target,
    what: `${call.method} ${call.url}`,
  };
}

function processRow(p: AttachedProcess, id: string, description: string, problem: boolean, hasChildren: boolean, ctx: RowContext): RowSpec {
  return {
    id,
    parentId: null,
    label: processName(p.entry, p.snapshot, ctx.workspaceRoot),
    description,
    icon: problem ? 'warning' : 'terminal',
    color: problem ? 'list.warningForeground' : undefined,
    contextValue: 'attachedProcess',
    hasChildren,
    accessibility: `Attached process ${p.entry.pid}, ${description}`,
    tooltip: () => processTooltipMarkdown(p.entry, p.snapshot, Date.now()),
    processKey: p.key,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Broker Calls: every attached process, its HTTP calls in flight and its listeners with their calls. */
export function attachedCallRows(processes: readonly AttachedProcess[], ctx: RowContext): RowSpec[] {
  const rows: RowSpec[] = [];
  for (const p of processes) {
    const s = p.snapshot;
    const pid = `calls:${p.key}`;
    const http = s?.httpCalls ?? [];
    const listeners = s?.listeners ?? [];
    const stalled = http.filter((c) => c.stalled).length + listeners.reduce((n, l) => n + l.calls.inFlight.filter((c) => c.stalled).length, 0);
    const parts = [s ? `${plural(http.length, 'HTTP call')} in flight` : 'connecting…'];
    if (listeners.length) parts.push(plural(listeners.length, 'listener'));
    if (stalled) parts.push(`${stalled} stalled`);
    rows.push(processRow(p, pid, parts.join(' · '), stalled > 0, http.length + listeners.length > 0, ctx));
    for (const call of http) rows.push(callRow(p, pid, asCallSnapshot(call), call.id, ctx));
    for (const l of listeners) rows.push(...listenerRows(p, pid, l, ctx));
  }
  return rows;
}

function listenerRows(p: AttachedProcess, parentId: string, l: BridgeListener, ctx: RowContext): RowSpec[] {
  const id = `${parentId}/${l.id}`;
  const asSnapshot = { ...l, calls: { inFlight: l.calls.inFlight as CallSnapshot[], recent: l.calls.recent as CallSnapshot[] } };
  const failing = l.state === 'failed' || (l.state === 'backoff' && l.consecutiveFailures >= 3);
  const rows: RowSpec[] = [
    {
      id,
      parentId,
      label: l.brokerUrl,
      description: listenerDescription(asSnapshot, ctx.now),
      icon: failing ? 'error' : 'broadcast',
      color: failing ? 'list.errorForeground' : undefined,
      contextValue: 'attachedListener',
      hasChildren: l.calls.inFlight.length > 0,
      accessibility: `Broker listener for ${l.brokerUrl} in pid ${p.entry.pid}`,
      tooltip: () => listenerTooltipMarkdown(asSnapshot, Date.now()),
      processKey: p.key,
      target: l.id,
      what: `the broker listener for ${l.brokerUrl}`,
    },
  ];
  for (const call of l.calls.inFlight as BridgeListenerCall[]) rows.push(callRow(p, id, call, call.id, ctx));
  return rows;
}

const HEALTH_ICON: Record<SessionHealth, { icon: string; color?: string }> = {
  ok: { icon: 'plug', color: 'charts.green' },
  warning: { icon: 'warning', color: 'list.warningForeground' },
  closing: { icon: 'debug-disconnect', color: 'disabledForeground' },
};

/** WebSocket Sessions: the attached processes that run a relay or have WebSockets, their relays and sessions, then their own WebSockets. */
export function attachedSessionRows(processes: readonly AttachedProcess[], ctx: RowContext): RowSpec[] {
  const rows: RowSpec[] = [];
  for (const p of processes) {
    const relays = p.snapshot?.relays ?? [];
    const observed = p.snapshot?.webSockets ?? [];
    if (relays.length === 0 && observed.length === 0) continue;
    const pid = `sessions:${p.key}`;
    const sessions = relays.reduce((n, r) => n + r.sessions.length, 0);
    const unhealthy =
      relays.reduce((n, r) => n + r.sessions.filter((s) => classifySession(s, ctx.health).health === 'warning').length, 0) + unhealthyWebSockets(p);
    const description = [
      relays.length ? plural(relays.length, 'relay') : null,
      relays.length ? plural(sessions, 'session') : null,
      observed.length ? plural(observed.filter((w) => w.state === 'open').length, 'WebSocket') : null,
      unhealthy ? `${unhealthy} unhealthy` : null,
    ]
      .filter(Boolean)
      .join(' · ');
    rows.push(processRow(p, pid, description, unhealthy > 0, true, ctx));
    for (const r of relays) rows.push(...relayRows(p, pid, r, ctx));
    rows.push(...observedWebSocketRows(p, pid, ctx));
  }
  return rows;
}

function relayRows(p: AttachedProcess, parentId: string, r: BridgeRelay, ctx: RowContext): RowSpec[] {
  const id = `${parentId}/${r.id}`;
  const rows: RowSpec[] = [
    {
      id,
      parentId,
      label: r.url,
      description: [r.state, plural(r.sessions.length, 'session'), r.restarts ? `${plural(r.restarts, 'restart')}` : null].filter(Boolean).join(' · '),
      icon: r.state === 'listening' ? 'radio-tower' : 'loading~spin',
      color: r.state === 'listening' ? 'charts.green' : undefined,
      contextValue: 'attachedRelay',
      hasChildren: r.sessions.length > 0,
      accessibility: `WebSocket relay ${r.url} in pid ${p.entry.pid}, ${r.state}`,
      tooltip: () =>
        `**Relay ${r.url}** in pid ${p.entry.pid}\n\n${r.state}, started ${new Date(r.startedAt).toISOString()}, ${r.requests.inFlight} requests in flight, ${r.requests.completed} completed, ${r.requests.failed} failed`,
      processKey: p.key,
      target: r.id,
      what: `the relay ${r.url}`,
    },
  ];
  for (const s of r.sessions) rows.push(sessionRow(p, id, r, s, ctx));
  return rows;
}

function sessionRow(p: AttachedProcess, parentId: string, r: BridgeRelay, s: BridgeSession, ctx: RowContext): RowSpec {
  const c = classifySession(s, ctx.health);
  const worst = c.health === 'warning' ? worstSeverity(c.issues.map((i) => i.kind)) : null;
  const look = worst ? SEVERITY_ICON[worst] : HEALTH_ICON[c.health];
  const icon = c.health === 'ok' && s.role === 'client' ? 'device-desktop' : look.icon;
  const shown = { ...c, session: { ...s, id: s.sessionId } };
  return {
    id: `${parentId}/${s.id}`,
    parentId,
    label: s.sessionId,
    description: sessionDescription(shown, ctx.now),
    icon,
    color: look.color,
    contextValue: `attachedSession.${c.health}`,
    hasChildren: false,
    accessibility: `Session ${s.sessionId} of relay ${r.url} in pid ${p.entry.pid}`,
    tooltip: () => sessionTooltipMarkdown(shown, Date.now()),
    processKey: p.key,
    target: s.id,
    what: `${s.role} session ${s.sessionId} on ${r.url}`,
  };
}
