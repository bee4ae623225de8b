// Announces a running broker listener to the process's live registry, so the bridge can
// publish its calls and route Probe/Break/Restart back to it.
import { liveRegistry, type LiveHandle } from '../live/registry';
import type { BrokerListener } from './listener';

export function announceListener(listener: BrokerListener): LiveHandle<'listener'> {
  return liveRegistry().add('listener', {
    snapshot: () => listener.snapshot(),
    onChange(fn) {
      const subscription = listener.onDidChange(() => fn());
      return () => subscription.dispose();
    },
    abortCall: (id) => listener.abortCall(id),
    probe: () => listener.probeBroker(),
    restart: () => listener.restart(),
  });
}
