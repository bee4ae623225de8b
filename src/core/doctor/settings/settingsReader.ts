/**
 * Reads one settings section and validates it, collecting a message for each invalid value
 * (which is then replaced by its default, never used). No `vscode` import: the caller passes
 * a getter that returns only what the user set, so every feature's validation is unit-tested.
 */
export type SettingGetter = (key: string) => unknown;

export class SettingsReader {
  readonly errors: string[] = [];

  constructor(
    private readonly section: string,
    private readonly get: SettingGetter,
  ) {}

  /** The full setting name, for messages. */
  key(name: string): string {
    return `${this.section}.${name}`;
  }

  /** The value the user set, or `undefined` (a `null` counts as unset). */
  raw(name: string): unknown {
    const value = this.get(name);
    return value === null ? undefined : value;
  }

  report(message: string): void {
    this.errors.push(message);
  }

  int(name: string, fallback: number, min: number, max: number, options: { zeroAllowed?: boolean; unit?: string } = {}): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (typeof value === 'number' && Number.isInteger(value) && ((value >= min && value <= max) || (options.zeroAllowed && value === 0))) return value;
    const range = `${options.zeroAllowed ? `0 or ${min}` : min} to ${max}${options.unit ? ` ${options.unit}` : ''}`;
    this.report(`${this.key(name)} must be an integer from ${range} (got ${JSON.stringify(value)}); using ${fallback}`);
    return fallback;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.report(`${this.key(name)} must be true or false (got ${JSON.stringify(value)}); using ${fallback}`);
    return fallback;
  }
}
