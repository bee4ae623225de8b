// Preloaded (bundled, `--require`) into bench/bridge's loop for the "floor" mode: a no-op
// subscriber on exactly the undici channels the tracker subscribes to. It is what any
// channel-based tracker pays inside undici (the messages undici builds once a channel has a
// subscriber, the publish itself), so the tracker's own cost is the difference above it.
import { subscribe } from 'node:diagnostics_channel';
import { TRACKED_CHANNELS } from '../../src/core/listener/tracker';

const noop = (): void => undefined;
for (const name of TRACKED_CHANNELS) subscribe(name, noop);
