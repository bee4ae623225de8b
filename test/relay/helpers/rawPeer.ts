// A WebSocket peer made from a bare TCP socket: our own handshake and our own frame parser,
// so tests can see every byte the relay writes and can send bytes `ws` would refuse to.

import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { FrameParser, encodeFrame, type EncodeOptions, type WireFrame } from './frames';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export class RawPeer extends EventEmitter {
  readonly frames: WireFrame[] = [];
  parseError: Error | null = null;
  ended = false;
  bytesReceived = 0;
  private readonly parser = new FrameParser();

  constructor(
    readonly socket: Socket,
    rest: Buffer,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
    socket.on('close', () => {
      this.ended = true;
      this.emit('update');
    });
    socket.on('error', () => {
      // The relay destroying us is an expected outcome in several tests.
    });
    if (rest.length > 0) this.feed(rest);
  }

  send(opcode: number, payload: Buffer | string, options?: EncodeOptions): void {
    this.socket.write(encodeFrame(opcode, payload, options));
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Resolve when `predicate` holds (checked on every received frame and on close). */
  waitFor(predicate: () => boolean, label: string, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.parseError) {
          done();
          reject(this.parseError);
        } else if (predicate()) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${label}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.off('update', check);
      };
      this.on('update', check);
      check();
    });
  }

  private feed(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    if (this.parseError) return;
    try {
      for (const frame of this.parser.push(chunk)) {
        this.frames.push(frame);
        this.emit('frame', frame);
      }
    } catch (error) {
      this.parseError = error instanceof Error ? error : new Error(String(error));
    }
    this.emit('update');
  }
}

/** Open a WebSocket to `url` (ws://host:port/path) over a raw socket. */
export function connectRaw(url: string, headers: Record<string, string> = {}): Promise<RawPeer> {
  const target = new URL(url);
  const key = randomBytes(16).toString('base64');
  const expected = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port) });
    socket.setNoDelay(true);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('error', reject);
      const response = head.subarray(0, end).toString('latin1');
      const accept = /^sec-websocket-accept:\s*(\S+)/im.exec(response)?.[1];
      if (!response.startsWith('HTTP/1.1 101') || accept !== expected) {
        socket.destroy();
        reject(new Error(`handshake refused: ${response.split('\r\n')[0]}`));
        return;
      }
      resolve(new RawPeer(socket, head.subarray(end + 4)));
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('connect', () => {
      const extra = Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
      );
    });
  });
}
