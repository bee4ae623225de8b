import { createConnection, createServer } from 'node:net';
import { DEFAULT_PROBE_PORTS, dedupePorts, isValidPort } from './config';

/**
 * The conflict canary: a plain bind (no SO_REUSEPORT; Node 20 never sets it) on `port` at
 * `address`. On Linux a plain bind fails with EADDRINUSE against any listener there,
 * including an SO_REUSEPORT one, which is exactly the lingering worker the origin missed.
 * Errors other than EADDRINUSE (EADDRNOTAVAIL on a host without that alias, EACCES on a
 * privileged port) are not "in use": they are thrown, so the caller cannot mistake a
 * broken probe for a free port.
 */
export function isPortInUseOnAddress(port: number, address: string): Promise<boolean> {
  // Port 0 would bind an ephemeral port and always "succeed": a free answer for a port nobody
  // can probe. Refuse it (and every other non-port) as the pool constructor does.
  if (!isValidPort(port)) return Promise.reject(new RangeError(`canary: port must be an integer from 1 to 65535 (got ${JSON.stringify(port)})`));
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(true);
      else reject(new Error(`canary bind on ${address}:${port} failed: ${err.code ?? err.message}`));
    });
    server.listen({ port, host: address, exclusive: true, backlog: 1 }, () => {
      server.close(() => resolve(false));
    });
  });
}

/** First probe port (de-duplicated, in order) that is in use on `address`, or `null`. */
export async function findConflictingPort(address: string, ports: readonly number[] = DEFAULT_PROBE_PORTS): Promise<number | null> {
  // Validate all ports before probing any, so a bad list fails whole rather than half-probed.
  const bad = ports.filter((p) => !isValidPort(p));
  if (bad.length > 0) throw new RangeError(`canary: ports must be integers from 1 to 65535 (got ${JSON.stringify(bad)})`);
  for (const port of dedupePorts(ports)) {
    if (await isPortInUseOnAddress(port, address)) return port;
  }
  return null;
}

/**
 * Connect probe: catches a foreign listener the bind cannot see (for example one bound on
 * a wildcard with SO_REUSEADDR semantics on other platforms). `true` when something accepted.
 */
export function isPortAcceptingOnAddress(port: number, address: string, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: address });
    const done = (accepting: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(accepting);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface PortProbe {
  port: number;
  /** The canary bind failed with EADDRINUSE. */
  inUse: boolean;
  /** The connect probe got an answer (only when requested). */
  accepting: boolean | null;
}

/** Runs the canary (and optionally the connect probe) on every probe port: what "Probe" shows. */
export async function probeAddress(address: string, ports: readonly number[], connectProbe = true): Promise<PortProbe[]> {
  const out: PortProbe[] = [];
  for (const port of dedupePorts(ports)) {
    const inUse = await isPortInUseOnAddress(port, address);
    out.push({ port, inUse, accepting: connectProbe ? await isPortAcceptingOnAddress(port, address) : null });
  }
  return out;
}
