import type { ClosedSessionRecord, SessionSnapshot } from '../../core/relay';
import { coarseAge, formatAge, formatDuration } from '../common/format';

export { coarseAge, formatAge };
import { formatBytes, type ClassifiedSession } from './sessionHealth';
import type { SessionsState } from './sessionsModel';

/**
 * The text of the view's rows and tooltips, from the model's state and a clock. Pure (no
 * `vscode`), so what a row says is unit-tested, and the tree can compare rendered text to
 * decide whether anything on screen changed.
 */

export function formatRtt(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : formatDuration(ms);
}

const RTT_STEPS_MS = [1, 5, 10, 50, 100, 500, 1000];

/**
 * A round trip in a row, as an upper bound ("<5 ms"): every heartbeat measures a new one, and a
 * row whose text changes is redrawn (closing a tooltip being read). The tooltip has the exact value.
 */
export function coarseRtt(ms: number): string {
  for (const step of RTT_STEPS_MS) if (ms < step) return `<${formatDuration(step)}`;
  return formatDuration(ms);
}

export function remoteOf(s: Pick<SessionSnapshot, 'remoteAddress'> & { remotePort?: number | null }): string {
  if (!s.remoteAddress) return 'unknown address';
  const host = s.remoteAddress.includes(':') ? `[${s.remoteAddress}]` : s.remoteAddress;
  return s.remotePort ? `${host}:${s.remotePort}` : host;
}

function writeState(s: SessionSnapshot, now: number): string {
  const w = s.writeDeadline;
  if (w.state === 'idle') return 'write idle';
  if (w.state === 'overdue') return 'write OVERDUE';
  return `write armed${w.dueAt !== null ? ` (due in ${coarseAge(Math.max(0, w.dueAt - now))})` : ''}`;
}

export function sessionDescription(c: ClassifiedSession, now: number): string {
  const s = c.session;
  const parts = [s.role, remoteOf(s)];
  if (c.health === 'closing') parts.push(`closing${s.closing.code !== null ? ` (${s.closing.code})` : ''}`);
  parts.push(s.lastPong ? `RTT ${coarseRtt(s.lastPong.rttMs)}` : 'no PONG yet');
  if (s.missedPongs > 0) parts.push(`${s.missedPongs} missed`);
  parts.push(`queue ${s.queue.frames} (${formatBytes(s.queue.bytes)})`);
  parts.push(`buffered ${formatBytes(s.bufferedAmount)}`);
  parts.push(s.lastInbound ? `in ${coarseAge(now - s.lastInbound.at)} ago` : 'nothing in yet');
  parts.push(writeState(s, now));
  return parts.join(' · ');
}

export function sessionAccessibility(c: ClassifiedSession, now: number): string {
  const issues = c.issues.map((i) => i.message).join('; ');
  return `${c.session.id}, ${sessionDescription(c, now).replace(/ · /g, ', ')}${issues ? `. Problems: ${issues}` : ''}`;
}

/** Markdown for the session tooltip: every fact the snapshot has. */
export function sessionTooltipMarkdown(c: ClassifiedSession, now: number): string {
  const s = c.session;
  const lines: string[] = [];
  lines.push(`**${s.id}** — ${s.role} from \`${remoteOf(s)}\`, connected ${formatDuration(now - s.connectedAt)} ago\n`);
  lines.push('| | |\n|---|---|');
  lines.push(`| last PONG round trip | ${s.lastPong ? `${formatRtt(s.lastPong.rttMs)}, ${formatAge(now - s.lastPong.at)} ago` : 'none yet'} |`);
  lines.push(`| missed heartbeat PONGs | ${s.missedPongs} |`);
  lines.push(
    `| queue | ${s.queue.frames}/${s.queue.limitFrames} frames, ${formatBytes(s.queue.bytes)} of ${formatBytes(s.queue.limitBytes)}; ${s.queue.controlFrames} control |`,
  );
  lines.push(`| socket buffered | ${formatBytes(s.bufferedAmount)} |`);
  lines.push(`| last inbound frame | ${s.lastInbound ? `${s.lastInbound.kind}, ${formatAge(now - s.lastInbound.at)} ago` : 'none yet'} |`);
  const w = s.writeDeadline;
  const due = w.dueAt !== null ? `, due ${w.dueAt >= now ? `in ${formatAge(w.dueAt - now)}` : `${formatAge(now - w.dueAt)} ago`}` : '';
  lines.push(`| write deadline | ${w.state} (${w.inFlight} in flight${due}; timeout ${formatDuration(w.timeoutMs)}) |`);
  lines.push(`| traffic | in ${formatBytes(s.bytesIn)} / ${s.framesIn} frames, out ${formatBytes(s.bytesOut)} / ${s.framesOut} frames |`);
  lines.push(`| requests in flight | ${s.inFlightRequests} |`);
  lines.push(`| rejected | ${s.rejected.backpressure} backpressure, ${s.rejected.badMessages} bad messages |`);
  if (s.closing.state !== 'open') {
    lines.push(
      `| closing | ${s.closing.state} by ${s.closing.initiatedBy ?? '?'}${s.closing.code !== null ? `, code ${s.closing.code}` : ''}${s.closing.reason ? ` "${s.closing.reason}"` : ''} |`,
    );
  }
  if (c.issues.length) lines.push(`\n${c.issues.map((i) => `$(warning) ${i.message}`).join('\n\n')}`);
  return lines.join('\n');
}

const STATUS_TEXT: Record<SessionsState['status'], string> = {
  stopped: 'stopped',
  starting: 'starting…',
  listening: 'listening',
  restarting: 'restarting…',
  stopping: 'stopping…',
  failed: 'failed to start',
};

export function relayLabel(state: SessionsState): string {
  return state.relay ? state.relay.url : 'Relay';
}

export function relayDescription(state: SessionsState): string {
  const parts = [STATUS_TEXT[state.status]];
  if (state.relay) {
    const providers = state.sessions.filter((c) => c.session.role === 'provider').length;
    const clients = state.sessions.length - providers;
    parts.push(`${providers} provider${providers === 1 ? '' : 's'}`, `${clients} client${clients === 1 ? '' : 's'}`);
    const unhealthy = state.sessions.filter((c) => c.health === 'warning').length;
    if (unhealthy) parts.push(`${unhealthy} unhealthy`);
    if (state.relay.tokenRequired) parts.push('token required');
  }
  return parts.join(' · ');
}

function closedLine(r: ClosedSessionRecord, now: number): string {
  return `- ${r.id} (${r.role}, \`${remoteOf(r)}\`) closed ${formatAge(now - r.closedAt)} ago: ${r.code}${r.reason ? ` "${r.reason}"` : ''}`;
}

export function relayTooltipMarkdown(state: SessionsState, now: number): string {
  const lines: string[] = [];
  const r = state.relay;
  if (!r) {
    lines.push(`**Relay** — ${STATUS_TEXT[state.status]}`);
    if (state.error) lines.push(`\n$(error) ${state.error}`);
    return lines.join('\n');
  }
  lines.push(`**${r.url}** — ${STATUS_TEXT[state.status]}\n`);
  const p = r.protocol;
  lines.push(
    `Providers connect to \`${r.url}${p.providerPath}\`, clients to \`${r.url}${p.clientPath}\`${r.tokenRequired ? ' with `Authorization: Bearer <token>` or `?token=<token>`' : ''}; ` +
      `requests and replies are matched on \`${p.routingKey}\` (profile \`${p.profile}\`).\n`,
  );
  lines.push(
    `Started ${formatDuration(now - r.startedAt)} ago, ${r.restarts} restart${r.restarts === 1 ? '' : 's'}. Requests: ${r.requests.inFlight} in flight, ${r.requests.completed} completed, ${r.requests.failed} failed.`,
  );
  const h = r.handshakes;
  lines.push(`\nHandshakes: ${h.pending} in progress, ${h.timedOut} cut for taking longer than ${formatDuration(h.timeoutMs)}.`);
  if (state.settingsPending) lines.push('\n$(info) Settings changed since the relay started: stop and start it to apply them.');
  if (r.recentlyClosed.length) {
    lines.push('\nRecently closed:\n');
    for (const record of r.recentlyClosed.slice(0, 5)) lines.push(closedLine(record, now));
  }
  return lines.join('\n');
}
