import type { SessionSnapshot } from '../relay/types';

/**
 * What the view flags about a session, judged from the relay's snapshot alone (no `vscode`
 * import, unit-tested). The relay core measures; this decides which measurements a person
 * should look at.
 */
export type SessionHealth = 'ok' | 'warning' | 'closing';

export type SessionIssueKind = 'write-overdue' | 'missed-pongs' | 'backlog';

export interface SessionIssue {
  kind: SessionIssueKind;
  message: string;
}

export interface HealthThresholds {
  /** Queued plus socket-buffered bytes at or above which a session is backlogged. */
  backlogWarningBytes: number;
}

export interface ClassifiedSession {
  session: SessionSnapshot;
  health: SessionHealth;
  issues: SessionIssue[];
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

export { bytes as formatBytes };

export function sessionIssues(s: SessionSnapshot, thresholds: HealthThresholds): SessionIssue[] {
  const issues: SessionIssue[] = [];
  if (s.writeDeadline.state === 'overdue') {
    issues.push({
      kind: 'write-overdue',
      message: `write deadline overdue: a frame was not flushed within ${Math.round(s.writeDeadline.timeoutMs / 100) / 10} s (peer not reading?)`,
    });
  }
  if (s.missedPongs > 0) {
    issues.push({ kind: 'missed-pongs', message: `${s.missedPongs} heartbeat PING${s.missedPongs === 1 ? '' : 's'} in a row without a PONG` });
  }
  const backlog = s.queue.bytes + s.bufferedAmount;
  // Half the frame limit is flagged too: with small frames the byte threshold is never met
  // before the queue starts refusing messages.
  const framesHigh = s.queue.frames >= Math.max(1, Math.ceil(s.queue.limitFrames / 2));
  if (backlog >= thresholds.backlogWarningBytes || framesHigh) {
    issues.push({
      kind: 'backlog',
      message: `backlog: ${s.queue.frames}/${s.queue.limitFrames} frames (${bytes(s.queue.bytes)}) queued, ${bytes(s.bufferedAmount)} in the socket buffer`,
    });
  }
  return issues;
}

export function classifySession(s: SessionSnapshot, thresholds: HealthThresholds): ClassifiedSession {
  const issues = sessionIssues(s, thresholds);
  // A closing session is on its way out; its problems are no longer actionable.
  const health: SessionHealth = s.closing.state !== 'open' ? 'closing' : issues.length > 0 ? 'warning' : 'ok';
  return { session: s, health, issues };
}
