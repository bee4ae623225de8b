// The tracker's channel handlers alone, without HTTP: undici-shaped messages published on the
// real undici channels (create, headers, trailers — one call's worth, as undici publishes
// them) for request objects shaped like undici's Request, with nobody subscribed (off), a
// no-op subscriber on the tracker's channels (floor) and the bridge's tracker (on: process-wide,
// recentLimit 0, nobody attached). Best of several rounds, so far steadier than an HTTP loop on
// a shared machine: it resolves the tens of nanoseconds the end-to-end figures cannot.
//
// Caveat, printed with the figures: in this tight loop V8 may inline a no-op subscriber and drop
// the message objects altogether, so this floor can be lower than undici's real one.

import diagnosticsChannel from 'node:diagnostics_channel';
import { importBuilt } from '../built';
import { TRACKED_CHANNELS, type CallTracker } from '../../src/core/listener/tracker';

type TrackerClass = typeof CallTracker;

/**
 * A checkout's tracker as the library ships it: CallTracker from its built flake-doctor/listener
 * (dist/lib/listener.mjs). Run from source through tsx, every call between modules goes through
 * an export getter, which the bundles users run do not have.
 */
async function bundledTracker(checkout: string): Promise<TrackerClass> {
  return (await importBuilt<{ CallTracker: TrackerClass }>('listener', checkout)).CallTracker;
}
type Mode = 'off' | 'floor' | 'on' | 'baseline';

/** The fields undici 7's Request has by the time `undici:request:create` is published. */
class FakeRequest {
  origin = 'http://127.0.0.1:8080';
  method = 'GET';
  path = '/jobs?token=secret';
  body = null;
  completed = false;
  aborted = false;
  upgrade = null;
  query = null;
  headersTimeout = null;
  bodyTimeout = null;
  throwOnError = false;
  idempotent = true;
  blocking = true;
  reset = null;
  host = '127.0.0.1:8080';
  contentLength = null;
  contentType = null;
  headers: string[] = ['user-agent', 'undici', 'accept', '*/*'];
  expectContinue = false;
  servername = null;
  abort: unknown = null;
}

const [create, headers, trailers] = ['undici:request:create', 'undici:request:headers', 'undici:request:trailers'].map((name) =>
  diagnosticsChannel.channel(name),
) as [diagnosticsChannel.Channel, diagnosticsChannel.Channel, diagnosticsChannel.Channel];
const noHeaders: Buffer[] = [];

/** ns per call for `n` calls. */
function loop(n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const request = new FakeRequest();
    if (create.hasSubscribers) create.publish({ request });
    if (headers.hasSubscribers) headers.publish({ request, response: { statusCode: 200, headers: noHeaders, statusText: 'OK' } });
    request.completed = true;
    if (trailers.hasSubscribers) trailers.publish({ request, trailers: noHeaders });
  }
  return ((performance.now() - t0) / n) * 1e6;
}

export async function handlerCost(root: string, baselineCheckout: string): Promise<void> {
  const Current = await bundledTracker(root);
  const Baseline = baselineCheckout ? await bundledTracker(baselineCheckout) : undefined;
  const n = 200_000;
  const rounds = 9;
  const modes: Mode[] = ['off', 'floor', 'on', ...(Baseline ? (['baseline'] as const) : [])];
  const best: Record<Mode, number> = { off: Infinity, floor: Infinity, on: Infinity, baseline: Infinity };
  const noop = (): void => undefined;
  for (let round = 0; round < rounds; round++) {
    for (const mode of [...modes.slice(round % modes.length), ...modes.slice(0, round % modes.length)]) {
      let stop = (): void => undefined;
      if (mode === 'floor') {
        for (const name of TRACKED_CHANNELS) diagnosticsChannel.subscribe(name, noop);
        stop = () => {
          for (const name of TRACKED_CHANNELS) diagnosticsChannel.unsubscribe(name, noop);
        };
      } else if (mode === 'on' || mode === 'baseline') {
        const Tracker = mode === 'on' ? Current : Baseline!;
        const tracker = new Tracker({ observeProcess: true, skipAllTagged: true, recentLimit: 0 });
        stop = () => tracker.dispose();
      }
      loop(20_000); // after a switch: let V8 settle on the new code
      best[mode] = Math.min(best[mode], loop(n));
      stop();
    }
  }
  const over = (mode: Mode): number => best[mode] - best.off;
  console.log(
    `channel handlers alone (undici-shaped messages, no HTTP, trackers from the built dist/lib/listener.mjs; best of ${rounds} × ${n}): ` +
      modes.map((m) => `${m} ${best[m].toFixed(0)} ns`).join(', ') +
      ' per call',
  );
  const ratio = (mode: Mode): string => (over('floor') > 0 ? `${(over(mode) / over('floor')).toFixed(1)}x` : 'n/a (floor not above off)');
  console.log(
    `  above off: floor ${over('floor').toFixed(0)} ns, on ${over('on').toFixed(0)} ns → (on − off) / (floor − off) ${ratio('on')}` +
      (Baseline ? `; baseline ${over('baseline').toFixed(0)} ns → ${ratio('baseline')}` : '') +
      '   (this floor may be lower than undici’s: V8 can drop the messages of an inlined no-op subscriber)',
  );
}
