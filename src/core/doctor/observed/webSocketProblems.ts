// Problems of WebSockets of an attached process (a peer not reading, PONGs not coming back, silence past the heartbeat). Placeholder until that observer publishes.

import type { BridgeSnapshot } from '../../bridge/types';
import type { DoctorProblem, ProcessRef } from '../problem';

export function webSocketProblems(snapshot: BridgeSnapshot, proc: ProcessRef, key: string): DoctorProblem[] {
  void snapshot;
  void proc;
  void key;
  return [];
}
