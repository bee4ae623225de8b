// Test helpers: raw TCP servers for the pathological peers an HTTP server library would not
// let us build, and a polling wait that fails loudly instead of hanging.

import net from 'node:net';
import { afterEach } from 'vitest';
import type { BrokerListener, ListenerEvent } from '../../src/core/listener/index';

export interface RawServer {
  url: string;
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * Starts a TCP server on 127.0.0.1:0 and hands every accepted socket to `onSocket`.
 * close() destroys every socket, so a test never leaks a half-open connection.
 */
export async function startRawServer(onSocket: (socket: net.Socket) => void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Accepts, reads whatever comes, never writes a byte: the origin's broker. */
export function startSilentServer(): Promise<RawServer> {
  return startRawServer((socket) => {
    socket.on('data', () => undefined);
  });
}

/** Sends a 200 with a large Content-Length at once, then one body byte per `intervalMs`. */
export function startTrickleServer(intervalMs: number): Promise<RawServer> {
  return startRawServer((socket) => {
    let started = false;
    socket.on('data', () => {
      if (started) return;
      started = true;
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
      const timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        socket.write(' ');
      }, intervalMs);
      socket.on('close', () => clearInterval(timer));
    });
  });
}

export async function waitFor<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Collects a listener's events for assertions. */
export function recordEvents(listener: BrokerListener): ListenerEvent[] {
  const events: ListenerEvent[] = [];
  listener.onDidChange((e) => events.push(e));
  return events;
}

/** A sleep that returns almost at once and remembers what was asked: backoffs stay visible
 *  to assertions without costing wall-clock time. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms) => {
      delays.push(ms);
      return new Promise((r) => setTimeout(r, 5));
    },
  };
}

/** A list of clean-ups run (last first) after each test of the calling file. */
export function useCleanups(): Array<() => Promise<void> | void> {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}
