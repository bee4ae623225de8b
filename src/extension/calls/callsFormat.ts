import type { CallOutcome, CallSnapshot, ListenerSnapshot, ListenerState } from '../../core/listener';
import { coarseAge, formatDuration, inlineCode, truncate } from '../common/format';

/**
 * The text of the Broker Calls rows and tooltips, from a snapshot and a clock. Pure (no
 * `vscode`), so what a row says is unit-tested, and the tree can compare rendered text to
 * decide whether anything on screen changed.
 */

/** A call's age in a row: coarse steps, so the row is not redrawn every second (the tooltip is exact). */
export function formatAge(ms: number): string {
  return coarseAge(Math.max(0, ms));
}

/** A configured bound, exactly ("500 ms", "30 s", "10 min"). */
export function formatBound(ms: number): string {
  return formatDuration(ms);
}

/** "12 s / 30 s": the age against the deadline; external calls have no deadline we know of. */
export function ageAgainstDeadline(call: CallSnapshot, now: number): string {
  const age = formatAge(now - call.startedAt);
  return call.deadlineAt === null ? age : `${age} / ${formatBound(call.deadlineAt - call.startedAt)}`;
}

/** "12 s / 30 s", to the second: for confirmations and reports, which are read once (rows use coarse steps). */
export function exactAgeAgainstDeadline(call: CallSnapshot, now: number): string {
  const age = formatDuration(Math.max(0, now - call.startedAt));
  return call.deadlineAt === null ? age : `${age} / ${formatBound(call.deadlineAt - call.startedAt)}`;
}

const PHASE_TEXT: Record<CallSnapshot['phase'], string> = {
  'awaiting-headers': 'no answer yet',
  'receiving-body': 'receiving body',
  done: 'done',
};

const OUTCOME_TEXT: Record<CallOutcome, string> = {
  ok: 'ok',
  'http-error': 'HTTP error',
  deadline: 'deadline exceeded',
  aborted: 'aborted',
  error: 'failed',
};

/** Method and path: the row's context without repeating the broker's origin. */
export function callTarget(call: CallSnapshot): string {
  try {
    const url = new URL(call.url);
    return `${call.method} ${url.pathname}`;
  } catch {
    return `${call.method} ${call.url}`;
  }
}

/** The row's label: the protocol call's name (external calls are named "GET <url>" already). */
export function callLabel(call: CallSnapshot): string {
  return call.name;
}

export function callDescription(call: CallSnapshot, now: number): string {
  if (call.outcome !== null && call.endedAt !== null) {
    const took = formatDuration(call.endedAt - call.startedAt);
    const status = call.status !== null ? ` ${call.status}` : '';
    return `${OUTCOME_TEXT[call.outcome]}${status} after ${took}${call.kind === 'external' ? '' : ` · ${callTarget(call)}`}`;
  }
  const parts = [ageAgainstDeadline(call, now)];
  if (call.stalled) parts.push(call.deadlineAt !== null && now >= call.deadlineAt ? 'PAST DEADLINE' : 'stalled');
  if (call.kind === 'long-poll') parts.push('long poll');
  parts.push(call.phase === 'receiving-body' && call.status !== null ? `receiving body (${call.status})` : PHASE_TEXT[call.phase]);
  if (call.kind !== 'external') parts.push(callTarget(call));
  return parts.join(' · ');
}

export function callAccessibility(call: CallSnapshot, now: number): string {
  return `${call.name}${call.outcome === null ? ' in flight' : ''}, ${callDescription(call, now).replace(/ · /g, ', ')}`;
}

/** Markdown for a call's tooltip: every fact of its snapshot. */
export function callTooltipMarkdown(call: CallSnapshot, now: number): string {
  const lines: string[] = [];
  lines.push(`**${call.name}** (${call.kind}) — ${inlineCode(`${call.method} ${call.url}`)}\n`);
  lines.push('| | |\n|---|---|');
  lines.push(`| call id | ${inlineCode(call.id)} |`);
  lines.push(`| started | ${new Date(call.startedAt).toISOString()} (${formatDuration(now - call.startedAt)} ago) |`);
  if (call.deadlineAt !== null) {
    const left = call.deadlineAt - (call.endedAt ?? now);
    lines.push(
      `| deadline | ${formatBound(call.deadlineAt - call.startedAt)} (${left >= 0 ? `${formatDuration(left)} left` : `passed ${formatDuration(-left)} ago`}) |`,
    );
  } else {
    lines.push(`| deadline | none known (a call made by other code in this process) |`);
  }
  lines.push(`| phase | ${PHASE_TEXT[call.phase]}${call.status !== null ? `, HTTP ${call.status}` : ''} |`);
  if (call.outcome !== null && call.endedAt !== null) {
    lines.push(`| outcome | ${OUTCOME_TEXT[call.outcome]} after ${formatDuration(call.endedAt - call.startedAt)}, ${formatDuration(now - call.endedAt)} ago |`);
  }
  if (call.error) lines.push(`| error | ${escapeCell(call.error)} |`);
  if (call.stalled && call.outcome === null) {
    lines.push(
      `\n$(warning) Stalled: ${call.deadlineAt !== null && now >= call.deadlineAt ? 'past its deadline' : 'older than the stall threshold'}. **Break** aborts it; the listener retries.`,
    );
  }
  return lines.join('\n');
}

const STATE_TEXT: Record<ListenerState, string> = {
  stopped: 'stopped',
  starting: 'starting…',
  polling: 'polling',
  acquiring: 'acquiring jobs',
  backoff: 'backing off',
  stopping: 'stopping…',
  failed: 'failed',
};

export function listenerStateText(state: ListenerState): string {
  return STATE_TEXT[state];
}

/** The session id is a UUID: the first block is enough to tell sessions apart in a row. */
export function shortSessionId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

export function listenerLabel(l: ListenerSnapshot): string {
  return l.brokerUrl;
}

/** "polling · session 1a2b3c4d… · message 3 · 1 job acquired" (+ retry and last error when failing). */
export function listenerDescription(l: ListenerSnapshot, now: number): string {
  const parts: string[] = [];
  // The distinguishing fact first, so a narrow sidebar still shows it.
  const stalledFirst = l.calls.inFlight.filter((c) => c.stalled).length;
  if (stalledFirst) parts.push(`${stalledFirst} stalled`);
  if (l.state === 'backoff' && l.nextRestartAt !== null) parts.push(`backing off, retry in ${coarseAge(Math.max(0, l.nextRestartAt - now))}`);
  else parts.push(STATE_TEXT[l.state]);
  parts.push(l.sessionId ? `session ${shortSessionId(l.sessionId)}` : 'no session');
  parts.push(`message ${l.lastMessageId}`);
  parts.push(`${l.jobsAcquired} job${l.jobsAcquired === 1 ? '' : 's'} acquired`);
  if (l.lastError && (l.state === 'backoff' || l.state === 'failed')) parts.push(`last error: ${truncate(l.lastError.message, 60)}`);
  return parts.join(' · ');
}

export function listenerAccessibility(l: ListenerSnapshot, now: number): string {
  return `Broker listener for ${l.brokerUrl}, ${listenerDescription(l, now).replace(/ · /g, ', ')}`;
}

/** Markdown for the listener's tooltip: every fact of its snapshot. */
export function listenerTooltipMarkdown(l: ListenerSnapshot, now: number): string {
  const lines: string[] = [];
  lines.push(`**Broker listener** — ${inlineCode(l.brokerUrl)}, ${STATE_TEXT[l.state]}\n`);
  lines.push('| | |\n|---|---|');
  lines.push(`| owner | ${inlineCode(l.ownerName)} |`);
  lines.push(`| session | ${l.sessionId ? inlineCode(l.sessionId) : 'none'} |`);
  lines.push(`| last message id | ${l.lastMessageId} (${l.messagesReceived} received) |`);
  lines.push(`| jobs acquired | ${l.jobsAcquired}${l.recentJobIds.length ? ` (latest: ${l.recentJobIds.slice(-5).join(', ')})` : ''} |`);
  lines.push(
    `| restarts | ${l.restarts} (${l.consecutiveFailures} failed in a row)${l.nextRestartAt !== null ? `, next in ${formatDuration(Math.max(0, l.nextRestartAt - now))}` : ''} |`,
  );
  lines.push(
    `| deadlines | control plane ${formatBound(l.controlPlaneTimeoutMs)}, long poll ${formatBound(l.longPollTimeoutMs)}, stalled after ${formatBound(l.stallThresholdMs)} |`,
  );
  lines.push(`| calls | ${l.calls.inFlight.length} in flight, ${l.calls.recent.length} recent |`);
  if (l.lastError) {
    const where = l.lastError.callName ? ` in ${l.lastError.callName}` : '';
    lines.push(`| last error | ${escapeCell(`${l.lastError.name}${where}: ${l.lastError.message}`)}, ${formatDuration(now - l.lastError.at)} ago |`);
  }
  return lines.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
