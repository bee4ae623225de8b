import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { connectBridge } from '../../src/core/bridge';
import type { BridgeSnapshot, ObservedWebSocket } from '../../src/core/bridge/types';
import { captured, eventually, type Spawned } from '../bridge/helpers';
import { supportedNodes } from '../helpers/nodeVersions';

export const PEER = resolve(__dirname, 'fixtures/webSocketPeer.cjs');
export const NODES: Record<string, string> = Object.fromEntries(supportedNodes().map((n) => [`Node ${n.major}`, n.path]));

export type Peer = Spawned & { send(line: string): void };

/** Starts the peer fixture with `node [--require register] webSocketPeer.cjs ...args`, its output captured and its stdin open for commands. */
export function spawnPeer(node: string, args: string[], opts: { register: string | null; dir: string; nodeArgs?: string[] }): Peer {
  const child = spawn(node, [...(opts.nodeArgs ?? []), ...(opts.register ? ['--require', opts.register] : []), PEER, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, FLAKE_DOCTOR_BRIDGE_DIR: opts.dir, FLAKE_DOCTOR_BRIDGE_MODE: '', FLAKE_DOCTOR_BRIDGE: '' },
  });
  child.stdin.on('error', () => undefined);
  return { ...captured(child), send: (line) => child.stdin.write(`${line}\n`) };
}

/** The line after `prefix` in a peer's output. */
export function lineAfter(peer: Peer, prefix: string): string {
  const line = peer
    .output()
    .split('\n')
    .find((l) => l.startsWith(prefix));
  if (line === undefined) throw new Error(`no "${prefix}" line in: ${peer.output()}`);
  return line.slice(prefix.length).trim();
}

/** One snapshot of pid's bridge. */
export async function snapshotOf(pid: number, dir: string): Promise<BridgeSnapshot> {
  const client = await connectBridge(pid, { dir });
  try {
    return await client.snapshot();
  } finally {
    client.close();
  }
}

/** Snapshots until `pick` finds something (WebSockets appear and change in another process). */
export function eventuallyWebSockets<T>(
  pid: number,
  dir: string,
  pick: (ws: ObservedWebSocket[], s: BridgeSnapshot) => T | undefined,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  return eventually(
    async () => {
      const s = await snapshotOf(pid, dir);
      return pick(s.webSockets ?? [], s);
    },
    what,
    timeoutMs,
  );
}
