import { createServer } from 'node:net';

/**
 * A port that is free on every address in `addresses` right now. Tests use their own
 * ports and 127.0.0.x ranges so they never collide with each other or with a real suite.
 */
export async function freePortOn(addresses: string[]): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    let ok = true;
    for (const address of addresses) {
      ok = await new Promise<boolean>((resolve) => {
        const s = createServer();
        s.once('error', () => resolve(false));
        s.listen({ port, host: address, exclusive: true }, () => s.close(() => resolve(true)));
      });
      if (!ok) break;
    }
    if (ok) return port;
  }
  throw new Error('no free port found');
}

/** A random /27-sized slice of 127.0.0.0/8's last octet, distinct per test file run. */
export function randomRangeStart(count: number): number {
  return 40 + Math.floor(Math.random() * (250 - 40 - count));
}
