// Problems of listens in an attached process that failed because another process holds the address. Placeholder until that observer publishes.

import type { BridgeSnapshot } from '../../bridge/types';
import type { DoctorProblem, ProcessRef } from '../problem';

export function listenProblems(snapshot: BridgeSnapshot, proc: ProcessRef, key: string): DoctorProblem[] {
  void snapshot;
  void proc;
  void key;
  return [];
}
