/**
 * Pure parser for `lsof -nP -iTCP -sTCP:LISTEN -F pcn`, the fallback on platforms
 * without `/proc` (macOS). Each process starts with `p<pid>` and `c<command>`, then one
 * `n<address>:<port>` per listening socket.
 */
export interface LsofListener {
  address: string;
  port: number;
  pid: number;
  command: string | null;
}

export function parseLsofListeners(text: string): LsofListener[] {
  const out: LsofListener[] = [];
  let pid: number | null = null;
  let command: string | null = null;
  for (const line of text.split('\n')) {
    const tag = line[0];
    const value = line.slice(1);
    if (tag === 'p') {
      pid = Number(value);
      command = null;
    } else if (tag === 'c') {
      command = value;
    } else if (tag === 'n' && pid !== null && Number.isInteger(pid)) {
      const colon = value.lastIndexOf(':');
      if (colon < 0) continue;
      let address = value.slice(0, colon);
      const port = Number(value.slice(colon + 1));
      if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
      if (address === '*') address = '0.0.0.0';
      if (Number.isInteger(port)) out.push({ address, port, pid, command });
    }
  }
  return out;
}
