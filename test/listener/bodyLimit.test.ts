// Response bodies are bounded: a 50 MB body used to be read whole (the process grew by
// ~250 MiB). A real HTTP server on loopback streams a big body with backpressure and counts
// what it managed to write; the call must fail with a clear error and stop reading early.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { boundedCall, createBrokerDispatcher, ResponseTooLargeError } from '../../src/core/listener/index';
import { useCleanups } from './helpers';

const cleanups = useCleanups();
const TOTAL = 50 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x20);

/** Streams TOTAL bytes (optionally declaring them); resolves `written` when the client goes away or all is sent. */
async function bigBodyServer(declareLength: boolean): Promise<{ url: string; written: Promise<number> }> {
  let resolveWritten!: (n: number) => void;
  const written = new Promise<number>((r) => (resolveWritten = r));
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(TOTAL) } : {}) });
    let sent = 0;
    const pump = (): void => {
      while (sent < TOTAL) {
        sent += CHUNK.length;
        if (!res.write(CHUNK)) return void res.once('drain', pump);
      }
      res.end();
      resolveWritten(sent);
    };
    res.on('close', () => resolveWritten(sent));
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/big`, written };
}

function dispatcher(): ReturnType<typeof createBrokerDispatcher> {
  const d = createBrokerDispatcher();
  cleanups.push(() => d.destroy());
  return d;
}

describe('response body limit', () => {
  for (const declared of [false, true]) {
    it(`a 50 MB body ${declared ? 'with' : 'without'} Content-Length fails with ResponseTooLargeError and is not read to the end`, async () => {
      const server = await bigBodyServer(declared);
      const limit = 1024 * 1024;
      const error = await boundedCall(
        { name: 'getMessage', kind: 'long-poll', method: 'GET', url: server.url, timeoutMs: 60_000, maxResponseBytes: limit },
        { dispatcher: dispatcher() },
      ).then(
        () => null,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(ResponseTooLargeError);
      expect((error as Error).message).toMatch(/getMessage response body .* over the 1048576-byte limit \(maxResponseBytes\)/);
      // The connection was cut: the server could not push the whole body through.
      expect(await server.written).toBeLessThan(TOTAL / 2);
    });
  }

  it('the default limit is 8 MiB: a 50 MB body fails without any option', async () => {
    const { DEFAULT_MAX_RESPONSE_BYTES } = await import('../../src/core/listener/index');
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(8 * 1024 * 1024);
    const server = await bigBodyServer(true);
    const error = await boundedCall(
      { name: 'probe', kind: 'control-plane', method: 'GET', url: server.url, timeoutMs: 60_000 },
      { dispatcher: dispatcher() },
    ).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ResponseTooLargeError);
  });
});
