// Who serves a URL on this machine: the process listening on a loopback URL's port. A stalled
// call to a local server names that server as the culprit (the process that accepted the
// connection and never answered), which is what a person looks for next.

import type { LoopbackListener } from '../allocator/scan';
import type { ProcessRef } from './problem';

const LOCAL_NAMES = new Set(['localhost', '::1', '[::1]']);

function loopbackHost(host: string): string | null {
  const h = host.toLowerCase();
  if (h.startsWith('127.')) return h;
  if (LOCAL_NAMES.has(h)) return h === 'localhost' ? '127.0.0.1' : '::1';
  return null;
}

/** The listener process behind `url` when it is a loopback URL whose listener is visible. */
export function serverForUrl(url: string, listeners: readonly LoopbackListener[]): ProcessRef | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const host = loopbackHost(parsed.hostname);
  if (host === null) return null;
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  // An exact bind wins over a wildcard one: the kernel delivers to the most specific listener.
  const exact = listeners.find((l) => l.port === port && l.address === host);
  const chosen = exact ?? listeners.find((l) => l.port === port && l.wildcard);
  return chosen && chosen.pid !== null ? { pid: chosen.pid, command: chosen.command } : null;
}
