// The listener's default deadlines, apart from the listener itself so that settings readers
// (the extension's and the CLI's) can know them without loading the HTTP client.
export const DEFAULT_CONTROL_PLANE_TIMEOUT_MS = 30_000;
export const DEFAULT_LONG_POLL_TIMEOUT_MS = 60_000;
