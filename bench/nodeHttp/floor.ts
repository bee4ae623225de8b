// Preloaded (bundled, `--require`) into bench/nodeHttp's loops for the "floor" mode: a no-op
// subscriber on every channel the tracker and the node:http observer subscribe to — what any
// channel-based observer pays inside undici and node:http (the messages built once a channel
// has a subscriber, the publish itself).
import { subscribe } from 'node:diagnostics_channel';
import { TRACKED_CHANNELS } from '../../src/core/listener/tracker';
import { NODE_HTTP_CLIENT_CHANNELS } from '../../src/core/observe/httpClient';
import { NODE_HTTP_SERVER_CHANNELS } from '../../src/core/observe/httpServer';

const noop = (): void => undefined;
for (const name of [...TRACKED_CHANNELS, ...NODE_HTTP_CLIENT_CHANNELS, ...NODE_HTTP_SERVER_CHANNELS]) subscribe(name, noop);
