// The live registry: what this process's cores hold right now (relays, listeners, leases,
// locks), announced by the cores themselves so the bridge can publish it without the user's
// code handing anything over.
//
// It lives on `globalThis` under a registered symbol, not in a module variable: the register
// module (`flake-doctor/bridge/register`), the user's `import 'flake-doctor/relay'` and a
// `require('flake-doctor/lock')` are separate bundles with separate module instances, yet
// they must all see one registry. Entries are therefore plain objects and closures (no
// classes, no instanceof), so a copy from one bundle can use an entry made by another.

/** A relay as the bridge needs it: its snapshot, its change signal and its actions. */
export interface LiveRelay {
  snapshot(): unknown;
  onChange(listener: () => void): () => void;
  probeSession(sessionId: string): Promise<number>;
  closeSession(sessionId: string): Promise<void>;
  restart(): Promise<void>;
}

/** A broker listener as the bridge needs it. */
export interface LiveListener {
  snapshot(): unknown;
  onChange(listener: () => void): () => void;
  abortCall(callId: string): boolean;
  probe(): Promise<unknown>;
  restart(): void;
}

/** A loopback lease this process holds. */
export interface LiveLease {
  address: string;
  poolFile: string;
  index: number;
  leasedAt: number;
}

/** A restart lock this process holds, or is waiting for. */
export interface LiveLock {
  lockPath: string;
  state: 'waiting' | 'held';
  /** Since when it has been waiting (state waiting) or held (state held); epoch ms. */
  since: number;
}

export interface LiveEntries {
  relay: LiveRelay;
  listener: LiveListener;
  lease: LiveLease;
  lock: LiveLock;
}

export type LiveKind = keyof LiveEntries;

/** A registration: `update` replaces the announced value (a lock going from waiting to held). */
export interface LiveHandle<K extends LiveKind> {
  readonly id: string;
  update(value: LiveEntries[K]): void;
  remove(): void;
}

export interface LiveRegistry {
  readonly version: 1;
  entries<K extends LiveKind>(kind: K): Array<[string, LiveEntries[K]]>;
  add<K extends LiveKind>(kind: K, value: LiveEntries[K]): LiveHandle<K>;
  /** Called on every add, update and remove (not on changes inside a relay or listener). */
  subscribe(listener: () => void): () => void;
}

const KEY = Symbol.for('flake-doctor.live-registry.v1');

function createRegistry(): LiveRegistry {
  const maps: { [K in LiveKind]: Map<string, LiveEntries[K]> } = { relay: new Map(), listener: new Map(), lease: new Map(), lock: new Map() };
  const listeners = new Set<() => void>();
  let seq = 0;
  const notify = (): void => {
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // A broken observer must never break the core that announced something.
      }
    }
  };
  return {
    version: 1,
    entries: (kind) => [...maps[kind].entries()],
    add(kind, value) {
      const map = maps[kind] as Map<string, typeof value>;
      const id = `${kind}-${++seq}`;
      map.set(id, value);
      notify();
      return {
        id,
        update(next) {
          if (!map.has(id)) return;
          map.set(id, next);
          notify();
        },
        remove() {
          if (map.delete(id)) notify();
        },
      };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The one registry of this process (this thread, for worker threads: each has its own globals). */
export function liveRegistry(): LiveRegistry {
  const holder = globalThis as { [KEY]?: LiveRegistry };
  const existing = holder[KEY];
  if (existing && existing.version === 1) return existing;
  const created = createRegistry();
  holder[KEY] = created;
  return created;
}
