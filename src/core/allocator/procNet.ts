/**
 * Pure parser for `/proc/net/tcp` and `/proc/net/tcp6`.
 *
 * Addresses are hex dumps of the kernel's in-memory representation: each 32-bit word is in
 * host byte order (little-endian here), so `0100007F` is 127.0.0.1 and an IPv6 address is
 * four such words.
 */
export interface ProcNetSocket {
  family: 4 | 6;
  address: string;
  port: number;
  /** Kernel TCP state; `0A` is LISTEN. */
  state: string;
  uid: number;
  inode: number;
}

export const TCP_LISTEN = '0A';

function wordToBytes(hex: string): number[] {
  // One little-endian 32-bit word → its four bytes in network order.
  const bytes: number[] = [];
  for (let i = 6; i >= 0; i -= 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
  return bytes;
}

export function decodeProcNetAddress(hex: string): string | null {
  if (hex.length === 8) {
    if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return null;
    return wordToBytes(hex).join('.');
  }
  if (hex.length === 32) {
    if (!/^[0-9A-Fa-f]{32}$/.test(hex)) return null;
    const bytes: number[] = [];
    for (let w = 0; w < 4; w++) bytes.push(...wordToBytes(hex.slice(w * 8, w * 8 + 8)));
    return formatIpv6(bytes);
  }
  return null;
}

function formatIpv6(bytes: number[]): string {
  // IPv4-mapped (::ffff:a.b.c.d) is shown the way `ss` and Node show it.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // Compress the longest run of zero groups (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Parses the whole file; malformed lines are skipped rather than failing the scan. */
export function parseProcNetTcp(text: string, family: 4 | 6): ProcNetSocket[] {
  const sockets: ProcNetSocket[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i]!.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const local = fields[1]!;
    const colon = local.indexOf(':');
    if (colon < 0) continue;
    const address = decodeProcNetAddress(local.slice(0, colon));
    const port = parseInt(local.slice(colon + 1), 16);
    const uid = Number(fields[7]);
    const inode = Number(fields[9]);
    if (address === null || !Number.isInteger(port) || !Number.isInteger(uid) || !Number.isInteger(inode)) continue;
    sockets.push({ family, address, port, state: fields[3]!.toUpperCase(), uid, inode });
  }
  return sockets;
}

export function isLoopbackAddress(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

export function isWildcardAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}
