// The kernel's view of a connection: its send and receive queues from /proc/net/tcp{,6}
// (`tx_queue:rx_queue`), and, for a peer on this machine, the pid holding the other end (its
// socket is the line with the two addresses swapped; its inode leads to the pid through
// /proc/<pid>/fd, as `ss -p` finds it). Read only while a snapshot is built.

import { readFileSync } from 'node:fs';
import { SocketOwnerIndex } from '../allocator/socketOwners';
import { decodeProcNetAddress, isLoopbackAddress } from '../allocator/procNet';

export interface TcpConnectionRow {
  local: string;
  remote: string;
  sendBytes: number;
  receiveBytes: number;
  inode: number;
}

/** `address:port` as the rows are keyed (Node's spelling of addresses: `127.0.0.1`, `::1`, `::ffff:127.0.0.1`). */
export function endpointKey(address: string, port: number): string {
  return `${address.toLowerCase()}:${port}`;
}

function endpoint(hex: string): string | null {
  const colon = hex.indexOf(':');
  if (colon < 0) return null;
  const address = decodeProcNetAddress(hex.slice(0, colon));
  const port = parseInt(hex.slice(colon + 1), 16);
  if (address === null || !Number.isInteger(port)) return null;
  return endpointKey(address, port);
}

/** Parses /proc/net/tcp or tcp6 into connection rows keyed `local>remote`; malformed lines are skipped. */
export function parseTcpConnections(text: string): Map<string, TcpConnectionRow> {
  const rows = new Map<string, TcpConnectionRow>();
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = endpoint(f[1]!);
    const remote = endpoint(f[2]!);
    const queues = f[4]!.split(':');
    const sendBytes = parseInt(queues[0] ?? '', 16);
    const receiveBytes = parseInt(queues[1] ?? '', 16);
    const inode = Number(f[9]);
    if (local === null || remote === null || !Number.isInteger(sendBytes) || !Number.isInteger(receiveBytes) || !Number.isInteger(inode)) continue;
    rows.set(`${local}>${remote}`, { local, remote, sendBytes, receiveBytes, inode });
  }
  return rows;
}

export interface ConnectionQuery {
  local: { address: string; port: number };
  remote: { address: string; port: number };
  /** Also look for the pid holding the other end (loopback peers only). */
  wantPeerPid: boolean;
}

export interface ConnectionFacts {
  sendBytes: number;
  receiveBytes: number;
  peerPid: number | null;
}

export class KernelQueueReader {
  private readonly owners: SocketOwnerIndex;

  constructor(
    private readonly procRoot = '/proc',
    private readonly read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
  ) {
    this.owners = new SocketOwnerIndex(procRoot);
  }

  /** One read of each table for all the connections asked about; a connection not found gets null. */
  facts(queries: readonly ConnectionQuery[]): Array<ConnectionFacts | null> {
    if (queries.length === 0) return [];
    const rows = new Map<string, TcpConnectionRow>();
    for (const table of ['tcp', 'tcp6']) {
      try {
        for (const [k, v] of parseTcpConnections(this.read(`${this.procRoot}/net/${table}`))) rows.set(k, v);
      } catch {
        // No such table (IPv6 off, not Linux): those connections stay without kernel facts.
      }
    }
    const peerInodes = new Set<number>();
    const found = queries.map((q) => {
      const local = endpointKey(q.local.address, q.local.port);
      const remote = endpointKey(q.remote.address, q.remote.port);
      const own = rows.get(`${local}>${remote}`);
      const peer = q.wantPeerPid && isLoopbackAddress(q.remote.address) ? rows.get(`${remote}>${local}`) : undefined;
      if (peer) peerInodes.add(peer.inode);
      return { own, peer };
    });
    const pids = peerInodes.size > 0 ? this.owners.resolve(peerInodes) : new Map<number, number>();
    return found.map(({ own, peer }) =>
      own ? { sendBytes: own.sendBytes, receiveBytes: own.receiveBytes, peerPid: peer ? (pids.get(peer.inode) ?? null) : null } : null,
    );
  }
}
