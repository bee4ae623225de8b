// Flake Doctor's own processes read the bridge; they must not publish on it. In a terminal with
// auto-attach the preload starts a bridge before the command's first line runs (in `always`
// mode, or in `smart` mode when the command runs from a checkout outside node_modules), and
// `flake-doctor doctor` then published itself while leaving itself out of its own report.
// Reached through the global slot rather than by importing the server, so a command that
// withdraws does not load what it stops.

import type { BridgeServer } from './server';
import { BRIDGE_STATE_KEY } from './stateKey';

/**
 * Stops the bridge the preload started in this thread, if any. It listens on a later turn of
 * the event loop, so called first thing it never listens at all; called later, its socket files
 * are removed. Never throws.
 */
export function withdrawFromBridge(): void {
  try {
    const bridge = (globalThis as { [BRIDGE_STATE_KEY]?: BridgeServer })[BRIDGE_STATE_KEY];
    bridge?.stop().catch(() => undefined);
  } catch {
    // A slot holding something else: nothing of ours to stop.
  }
}
