// Announces a listening relay to the process's live registry, so the bridge can publish its
// sessions and route Probe/Break/Restart back to it.
import { liveRegistry, type LiveHandle } from '../live/registry';
import type { Relay } from './server';
import { RelayCloseCode } from './types';

export function announceRelay(relay: Relay): LiveHandle<'relay'> {
  return liveRegistry().add('relay', {
    snapshot: () => relay.snapshot(),
    onChange(listener) {
      relay.on('change', listener);
      return () => relay.off('change', listener);
    },
    probeSession: (id) => relay.probeSession(id),
    closeSession: (id) => relay.closeSession(id, RelayCloseCode.closedByOperator, 'closed through the Flake Doctor bridge'),
    restart: () => relay.restart(),
  });
}
