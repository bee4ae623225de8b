import type { BridgeErrorCode } from './types';

/** An error with a protocol code; what the other end of the bridge sees as `{ error: { code, message } }`. */
export class BridgeError extends Error {
  constructor(
    readonly code: BridgeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BridgeError';
  }
}
