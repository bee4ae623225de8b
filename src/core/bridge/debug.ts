// The bridge never writes to the user's output unless asked: FLAKE_DOCTOR_DEBUG=1 (or any
// value but 0/false/empty) makes it say on stderr why it did or did not publish.

export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.FLAKE_DOCTOR_DEBUG;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export function bridgeDebug(message: string): void {
  if (!debugEnabled()) return;
  try {
    process.stderr.write(`[flake-doctor bridge ${process.pid}] ${message}\n`);
  } catch {
    // stderr closed: nothing to say it on.
  }
}
