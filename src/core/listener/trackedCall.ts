// The handle a caller of CallTracker.begin() holds while its call is in flight.

import type { CallOutcome } from './types';

export interface CallEndInfo {
  outcome: CallOutcome;
  status?: number | null;
  error?: string | null;
}

export interface TrackedCall {
  readonly id: string;
  /** The header value that marks the request as ours (see CALL_TAG_HEADER). */
  readonly tag: string;
  headersReceived(status: number): void;
  end(info: CallEndInfo): void;
}
