// What one doctor pass looks at, with every value already validated (the CLI reads it from
// `.vscode/settings.json` and `--<area>.<name>` flags; a harness may build it directly).

import type { PoolConfig } from '../allocator/config';

export interface DoctorConfig {
  loopback: { config: PoolConfig; poolFiles: string[] };
  locks: { paths: string[]; staleMs: number; mutexStaleMs: number };
  sessions: { backlogWarningBytes: number };
  /** null: trust each process's own stall verdict. */
  calls: { stallThresholdMs: number | null };
  /** Bridge directory (default: FLAKE_DOCTOR_BRIDGE_DIR, the runtime dir, or a per-user temp dir). */
  bridgeDir?: string;
  /** Bound on connecting to one attached process and reading its snapshot (default 2000 ms). */
  processTimeoutMs?: number;
  /** Processes not to look into (the doctor's own pid is always skipped). */
  excludePids?: readonly number[];
}
