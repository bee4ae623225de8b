// How the call tracker reads an external call's request object: one adapter per client library
// the process's calls are seen through (undici here, node:http in observe/nodeHttpRequest.ts).
// One shared object per client, not a closure per call: an entry keeps the request and a
// reference to its client's adapter, and asks the adapter only when someone looks.

/** Which client made an external call. */
export type CallSource = 'undici' | 'node:http';

export interface ExternalClient {
  readonly source: CallSource;
  /** The URL's origin (`http://127.0.0.1:3000`), read when the call is shown or kept. */
  originOf(request: object): unknown;
  /** The request path, query included (the tracker strips it). */
  pathOf(request: object): unknown;
  /** How to abort the call, read at the moment of use; undefined when it cannot be aborted now. */
  abortFor(request: object): ((reason: string) => void) | undefined;
  /** Settled without the tracker hearing of it (a path that publishes no end event). */
  isSettled(request: object): boolean;
  /**
   * A call started while nobody watched is tracked from now on: catch up on what happened
   * meanwhile (its headers) and follow it to its end. Absent: the client's events suffice.
   */
  adopt?(request: object, call: AdoptedCall): void;
}

/** What an adopting client may tell the tracker about the call. */
export interface AdoptedCall {
  headersReceived(status: number): void;
}
