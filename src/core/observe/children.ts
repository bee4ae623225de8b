// Observer of the child processes this process starts (any language: a Python or Go server
// counts). Node publishes each ChildProcess on the `child_process` channel before it spawns
// (20, 22, 24: the message is `{ process }`, its pid not known yet); the child's own 'spawn'
// event (next tick after a successful spawn) gives the pid and command line, its 'exit' event
// says when it is gone. Neither listener changes anything for the child; no 'error' listener
// is ever added (a spawn failure must still reach the user's code, or crash it, as before).
//
// Each child is also written to the starter's record in the bridge directory (childRecords.ts),
// since what started a child is gone from /proc once the starter exits: that record is how an
// orphaned server is traced to its test process and its test.

import diagnosticsChannel from 'node:diagnostics_channel';
import type { ChildProcess } from 'node:child_process';
import { bridgeDirectory, ensureDirectory } from '../bridge/directory';
import { commandLineOf, ownStartIdentity } from '../bridge/processInfo';
import { osProcessFacts } from '../process';
import { CHILD_RECORDS_VERSION, MAX_RECORDED_CHILDREN, removeFileQuietly, writeChildRecords, type RecordedChild } from './childRecords';
import type { Observer, ObserverContext, ObserverFactory } from './observer';
import { currentTest, type TestRef } from './testContext';
import { ChangeSignal } from './changeSignal';
import type { ObservedRecord } from './observer';

/** A child process this process started that still runs. */
export interface ObservedChild extends ObservedRecord {
  // id `child:<n>`; subject `pid 123 python3 -m http.server 8000`; startedAt: when the spawn was asked for.
  pid: number;
  /** The command line as spawned (argv joined, arguments with spaces quoted). */
  command: string;
}

const CHANNEL = 'child_process';

interface Tracked {
  record: ObservedChild;
  child: ChildProcess;
}

class ChildrenObserver implements Observer {
  readonly name = 'children';
  private seq = 0;
  private readonly live = new Map<number, Tracked>();
  private recorded: RecordedChild[] = [];
  private recordPath: string | null = null;
  private readonly signal: ChangeSignal;
  private readonly onMessage = (message: unknown): void => this.guard('spawn', () => this.onChild((message as { process?: ChildProcess }).process));
  private readonly onExit = (): void => this.guard('exit', () => this.cleanUpAtExit());

  constructor(
    private readonly context: ObserverContext,
    private readonly dir: () => string,
  ) {
    this.signal = new ChangeSignal('children', context.debug);
    diagnosticsChannel.subscribe(CHANNEL, this.onMessage);
    process.on('exit', this.onExit);
  }

  private guard(what: string, run: () => void): void {
    try {
      run();
    } catch (err) {
      this.context.debug(`children: ${what} not tracked: ${(err as Error).message}`);
    }
  }

  private onChild(child: ChildProcess | undefined): void {
    if (!child || typeof child.once !== 'function') return;
    const startedAt = this.context.now();
    const test = currentTest();
    child.once('spawn', () => this.guard('spawned', () => this.onSpawned(child, startedAt, test)));
  }

  private onSpawned(child: ChildProcess, startedAt: number, test: TestRef | null): void {
    const pid = child.pid;
    if (pid === undefined) return;
    const command = commandLineOf(child.spawnargs.length ? child.spawnargs : [child.spawnfile]);
    const record: ObservedChild = { id: `child:${++this.seq}`, subject: `pid ${pid} ${command}`, startedAt, test, pid, command };
    this.live.set(pid, { record, child });
    child.once('exit', () => this.guard('child exit', () => this.onChildExit(pid, child)));
    this.remember({ pid, startTime: osProcessFacts.startTime(pid), command, startedAt, test });
    this.changed();
  }

  private onChildExit(pid: number, child: ChildProcess): void {
    if (this.live.get(pid)?.child !== child) return;
    this.live.delete(pid);
    this.changed();
  }

  /** Adds the child to this process's record file; a failure to write leaves the child untraceable later, with a note. */
  private remember(child: RecordedChild): void {
    this.recorded.push(child);
    if (this.recorded.length > MAX_RECORDED_CHILDREN) this.recorded.splice(0, this.recorded.length - MAX_RECORDED_CHILDREN);
    try {
      const dir = this.dir();
      ensureDirectory(dir);
      const argv = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
      this.recordPath = writeChildRecords(
        dir,
        {
          version: CHILD_RECORDS_VERSION,
          starter: { pid: process.pid, start: ownStartIdentity(), command: commandLineOf(argv), cwd: safeCwd() },
          children: this.recorded,
        },
        ownThreadId(),
      );
    } catch (err) {
      this.context.debug(`children: pid ${child.pid} not recorded for later: ${(err as Error).message}`);
    }
  }

  /** At exit: the record stays only while something it names still runs (that is when it is needed). */
  private cleanUpAtExit(): void {
    if (!this.recordPath) return;
    const running = [...this.live.values()].some(({ child }) => child.exitCode === null && child.signalCode === null);
    if (!running) removeFileQuietly(this.recordPath);
  }

  contribute(parts: { children?: ObservedChild[] }): void {
    parts.children = [...this.live.values()].map(({ record }) => ({ ...record, test: record.test ? { ...record.test } : null }));
  }

  onDidChange(listener: () => void): () => void {
    return this.signal.add(listener);
  }

  private changed(): void {
    this.signal.fire();
  }

  dispose(): void {
    diagnosticsChannel.unsubscribe(CHANNEL, this.onMessage);
    process.off('exit', this.onExit);
    this.live.clear();
    this.signal.clear();
  }
}

/**
 * This thread's id, read when a child is first recorded (not at start-up: loading
 * `node:worker_threads` costs a process that exits at once). Without getBuiltinModule (Node
 * before 20.16) it is 0: threads of one process then share one record file, as before.
 */
function ownThreadId(): number {
  const load = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const threadId = typeof load === 'function' ? (load.call(process, 'node:worker_threads') as { threadId?: unknown } | undefined)?.threadId : 0;
  return typeof threadId === 'number' ? threadId : 0;
}

function safeCwd(): string {
  try {
    return process.cwd();
  } catch {
    return '';
  }
}

export const observeChildren: ObserverFactory = (context) =>
  typeof diagnosticsChannel.subscribe === 'function' ? new ChildrenObserver(context, () => bridgeDirectory()) : null;
