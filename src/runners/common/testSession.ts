// One test process's side of a runner integration, runner-neutral: the adapter says when a test
// starts and ends (the test to stamp on what starts meanwhile), when one failed (the Flake
// Doctor section to show with it, and a record for the run's report) and when a file ended
// (what its tests left running). Observing never fails a test by itself: every step degrades
// to "nothing named" with a note under FLAKE_DOCTOR_DEBUG.

import type { BridgeServer } from '../../core/bridge/server';
import { bridgeDebug } from '../../core/bridge/debug';
import { setCurrentTest, type TestRef } from '../../core/observe/testContext';
import { collectFailureFacts, ownSnapshot, stallThresholdFor } from './failureFacts';
import { fileLeftovers, type FileLeftover } from './leftovers';
import { writeRunRecord } from './runChannel';
import { RunningTests } from './runningTests';

/** A test's error as the runner holds it: what it says, and where (the stack may name an address:port too). */
export interface TestError {
  message: string;
  stack?: string;
}

export class TestSession {
  private readonly running = new RunningTests();
  private readonly startedAt = new Map<string, number>();

  constructor(
    private readonly bridge: BridgeServer,
    /** The run's channel (runChannel.ts); null: no reporter of ours, sections only. */
    private readonly channel: string | null,
  ) {}

  testStarted(key: string, test: TestRef): void {
    this.startedAt.set(key, Date.now());
    setCurrentTest(this.running.start(key, test));
  }

  testEnded(key: string): void {
    this.startedAt.delete(key);
    setCurrentTest(this.running.end(key));
  }

  /** The section to show with the failure ('' when nothing is named); the record goes to the run's channel. */
  async testFailed(key: string, test: TestRef, errors: readonly TestError[]): Promise<string> {
    try {
      const now = Date.now();
      const facts = await collectFailureFacts({
        bridge: this.bridge,
        test,
        errors: errors.map((e) => `${e.message}\n${e.stack ?? ''}`),
        stallThresholdMs: stallThresholdFor(now - (this.startedAt.get(key) ?? now)),
        now,
      });
      if (this.channel)
        writeRunRecord(this.channel, {
          type: 'failure',
          file: test.file,
          test: test.name,
          pid: facts.pid,
          errors: errors.map((e) => e.message),
          culprits: facts.culprits,
        });
      return facts.section;
    } catch (err) {
      bridgeDebug(`could not describe the failure of ${test.name}: ${(err as Error).message}`);
      return '';
    }
  }

  /** What the file's tests left running; recorded for the run's report. */
  fileEnded(file: string): FileLeftover[] {
    try {
      const leftovers = fileLeftovers(ownSnapshot(this.bridge), Date.now());
      if (this.channel) writeRunRecord(this.channel, { type: 'file-end', file, pid: process.pid, leftovers });
      return leftovers;
    } catch (err) {
      bridgeDebug(`could not list what ${file} left running: ${(err as Error).message}`);
      return [];
    }
  }
}
