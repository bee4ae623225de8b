/**
 * Pool configuration: the origin's defaults, environment overrides, and validation.
 * An invalid value is reported through `warn` and never used: a typo in CI must not
 * silently move a shard onto a port or range nobody else expects.
 */
export const DEFAULT_POOL_START = 2;
export const DEFAULT_POOL_COUNT = 32;
export const DEFAULT_OPS_PORT = 9925;
export const DEFAULT_HTTP_PORT = 9926;
export const DEFAULT_PROBE_PORTS: readonly number[] = [DEFAULT_OPS_PORT, DEFAULT_HTTP_PORT];

/** Environment variables read by {@link resolvePoolConfig}. */
export const POOL_ENV = {
  start: 'FLAKE_DOCTOR_POOL_START',
  count: 'FLAKE_DOCTOR_POOL_COUNT',
  opsPort: 'FLAKE_DOCTOR_OPS_PORT',
  httpPort: 'FLAKE_DOCTOR_HTTP_PORT',
  poolFile: 'FLAKE_DOCTOR_POOL_FILE',
} as const;

export interface PoolConfig {
  start: number;
  count: number;
  probePorts: number[];
}

export type WarnFn = (message: string) => void;

export function isValidPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** Validates a (start, count) range: it must stay inside 127.0.0.1–127.0.0.254. */
export function rangeError(start: unknown, count: unknown): string | null {
  if (typeof start !== 'number' || !Number.isInteger(start) || start < 1 || start > 254) {
    return `start must be an integer from 1 to 254 (got ${JSON.stringify(start)})`;
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    return `count must be a positive integer (got ${JSON.stringify(count)})`;
  }
  if (start + count - 1 > 254) return `start + count - 1 must not pass 127.0.0.254 (got ${start} + ${count} - 1)`;
  return null;
}

/** Removes duplicates, keeping first-seen order (the origin probed each port once). */
export function dedupePorts(ports: readonly number[]): number[] {
  return [...new Set(ports)];
}

function envInteger(env: NodeJS.ProcessEnv, name: string, warn: WarnFn, valid: (n: number) => boolean, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!valid(value)) {
    warn(`ignoring ${name}=${JSON.stringify(raw)}: not a valid value; using ${fallback}`);
    return fallback;
  }
  return value;
}

/**
 * The effective configuration: explicit options win, then the environment, then the
 * defaults. Explicit options that are invalid throw (a programming error); invalid
 * environment values warn and fall back (an operator error that must not stop a suite).
 */
export function resolvePoolConfig(
  options: { start?: number; count?: number; probePorts?: readonly number[] } = {},
  env: NodeJS.ProcessEnv = process.env,
  warn: WarnFn = (m) => console.warn(`flake-doctor: ${m}`),
): PoolConfig {
  const start = options.start ?? envInteger(env, POOL_ENV.start, warn, (n) => n >= 1 && n <= 254, DEFAULT_POOL_START);
  let count = options.count ?? envInteger(env, POOL_ENV.count, warn, (n) => n >= 1 && n <= 254, DEFAULT_POOL_COUNT);
  if (options.count === undefined && start + count - 1 > 254) {
    warn(`${POOL_ENV.count}=${count} runs past 127.0.0.254 from start ${start}; using ${255 - start}`);
    count = 255 - start;
  }
  const error = rangeError(start, count);
  if (error) throw new RangeError(`LoopbackPool: ${error}`);

  let probePorts: number[];
  if (options.probePorts !== undefined) {
    const bad = options.probePorts.filter((p) => !isValidPort(p));
    if (bad.length > 0 || options.probePorts.length === 0) {
      throw new RangeError(`LoopbackPool: probePorts must be a non-empty list of ports 1–65535 (got ${JSON.stringify(options.probePorts)})`);
    }
    probePorts = dedupePorts(options.probePorts);
  } else {
    probePorts = dedupePorts([
      envInteger(env, POOL_ENV.opsPort, warn, isValidPort, DEFAULT_OPS_PORT),
      envInteger(env, POOL_ENV.httpPort, warn, isValidPort, DEFAULT_HTTP_PORT),
    ]);
  }
  return { start, count, probePorts };
}

export function addressForIndex(start: number, index: number): string {
  return `127.0.0.${start + index}`;
}
