// Problems inside an attached process, from its bridge snapshot: stalled HTTP calls, stalled
// listener calls, a listener that keeps failing, unhealthy relay sessions.

import type { BridgeSnapshot } from '../bridge/types';
import { problem, type DoctorProblem, type ProcessRef } from './problem';
import { listenProblems } from './observed/listenProblems';
import { describeHandler, serverRequestFor } from './observed/serverHandler';
import { webSocketProblems } from './observed/webSocketProblems';
import { classifySession, type HealthThresholds } from './sessionHealth';

/** A listener that failed this many runs in a row cannot reach (or use) its broker. */
const FAILING_RUNS = 3;

export const DEFAULT_HEALTH: HealthThresholds = { backlogWarningBytes: 1024 * 1024 };

export interface BridgeJudgement extends HealthThresholds {
  /**
   * The observer's own stall threshold (`flakeDoctor.calls.stallThresholdMs`). Unset or null:
   * trust the publishing process's verdict (its FLAKE_DOCTOR_STALL_MS, default 10 s). Set: a
   * call is stalled when older than this at the snapshot's time; long polls keep their own
   * verdict, since a broker legitimately holds them open.
   */
  stallThresholdMs?: number | null;
  /** Names the process serving a call's URL (the server that does not answer), when known. */
  serverOf?: (url: string) => ProcessRef | null;
  /** The snapshot of another attached process (the culprit server's), to name its handler. */
  snapshotOf?: (pid: number) => BridgeSnapshot | null;
}

function isStalled(call: { stalled: boolean; startedAt: number; kind?: string }, takenAt: number, thresholdMs: number | null | undefined): boolean {
  if (thresholdMs === null || thresholdMs === undefined || call.kind === 'long-poll') return call.stalled;
  return takenAt - call.startedAt >= thresholdMs;
}

export function bridgeProblems(snapshot: BridgeSnapshot, thresholds: BridgeJudgement = DEFAULT_HEALTH): DoctorProblem[] {
  const proc: ProcessRef = { pid: snapshot.process.pid, command: snapshot.process.command };
  const server = (url: string): ProcessRef | null => thresholds.serverOf?.(url) ?? null;
  const age = (startedAt: number): string => `${((snapshot.takenAt - startedAt) / 1000).toFixed(1)} s`;
  const key = `${snapshot.process.pid}${snapshot.process.threadId ? `-t${snapshot.process.threadId}` : ''}`;
  const out: DoctorProblem[] = [];
  for (const call of snapshot.httpCalls) {
    if (!isStalled(call, snapshot.takenAt, thresholds.stallThresholdMs)) continue;
    const waiting = call.phase === 'awaiting-headers' ? 'no answer' : 'body incomplete';
    // A server of this same process (an app under supertest) is the culprit, by its handler;
    // else the process listening on the URL's port, and its handler when it is attached too.
    const inProcess = serverRequestFor(call, snapshot);
    const culprit = inProcess ? proc : server(call.url);
    const remote = !inProcess && culprit && culprit.pid !== proc.pid ? serverRequestFor(call, thresholds.snapshotOf?.(culprit.pid)) : null;
    const handler = inProcess
      ? `; served in this process: ${describeHandler(inProcess)}`
      : remote && culprit
        ? `; served by pid ${culprit.pid}: ${describeHandler(remote)}`
        : '';
    out.push(
      problem({
        id: `calls:${key}:${call.id}`,
        area: 'calls',
        state: 'stalled',
        subject: `${call.method} ${call.url}`,
        message: `stalled (${waiting} after ${age(call.startedAt)}) in pid ${snapshot.process.pid}: ${call.method} ${call.url}${call.deadlineAt === null ? ', no deadline' : ''}${handler}`,
        culprit,
        process: proc,
        target: call.id,
      }),
    );
  }
  for (const listener of snapshot.listeners) {
    for (const call of listener.calls.inFlight) {
      if (!isStalled(call, snapshot.takenAt, thresholds.stallThresholdMs) || call.outcome !== null) continue;
      out.push(
        problem({
          // By name: the listener retries an aborted call as a new call, but it is the same problem.
          id: `calls:${key}:${listener.id}:${call.name}`,
          area: 'calls',
          state: 'stalled',
          subject: `${call.method} ${call.url}`,
          message: `${call.name} stalled in pid ${snapshot.process.pid} (${call.phase === 'awaiting-headers' ? 'no answer' : 'body incomplete'} after ${age(call.startedAt)}) against ${listener.brokerUrl}`,
          culprit: server(call.url),
          process: proc,
          target: call.id,
        }),
      );
    }
    if (listener.state === 'failed' || (listener.state === 'backoff' && listener.consecutiveFailures >= FAILING_RUNS)) {
      out.push(
        problem({
          id: `calls:${key}:${listener.id}:failing`,
          area: 'calls',
          state: 'listener-failing',
          subject: listener.brokerUrl,
          message: `broker listener in pid ${snapshot.process.pid} ${listener.state === 'failed' ? 'gave up' : `failed ${listener.consecutiveFailures} runs in a row`}${listener.lastError ? `: ${listener.lastError.message}` : ''}`,
          culprit: null,
          process: proc,
          target: listener.id,
        }),
      );
    }
  }
  for (const relay of snapshot.relays) {
    for (const session of relay.sessions) {
      const c = classifySession(session, thresholds);
      if (c.health !== 'warning') continue;
      for (const issue of c.issues) {
        out.push(
          problem({
            id: `sessions:${key}:${session.id}:${issue.kind}`,
            area: 'sessions',
            state: issue.kind,
            subject: `${session.role} ${session.sessionId} on ${relay.url}`,
            message: `${issue.kind.replace('-', ' ')} on ${session.role} ${session.sessionId} (${relay.url}) in pid ${snapshot.process.pid}: ${issue.message}`,
            culprit: null,
            process: proc,
            target: session.id,
          }),
        );
      }
    }
  }
  // What the process's observers saw of the user's own code.
  out.push(...webSocketProblems(snapshot, proc, key));
  out.push(...listenProblems(snapshot, proc, key));
  return out;
}
