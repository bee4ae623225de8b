// The command line: `flake-doctor <doctor|watch> [options] [--<area>.<name> <value>]...`.
// Pure: argv in, a parsed request or a usage error out (exit status 2 for the caller).

import { settingOf } from './config/settingKinds';

export type CliCommand = 'doctor' | 'watch' | 'help' | 'version';
/** text: for a person; json: the schema'd report; github: text plus workflow-command annotations and a job summary. */
export type CliFormat = 'text' | 'json' | 'github';
export const FORMATS: readonly CliFormat[] = ['text', 'json', 'github'];

export interface CliArgs {
  command: CliCommand;
  /** `--format`; `--json` is `--format json`. */
  format: CliFormat;
  json: boolean;
  /** `--settings <file>`: another settings file than `.vscode/settings.json`; null with --no-settings. */
  settingsFile: string | undefined | null;
  /** `watch` redraw period. */
  intervalMs: number;
  /** Per attached process (connect + snapshot). */
  timeoutMs: number;
  /** `--area.name` flags as given: flag name (without dashes) → text. */
  settingFlags: Map<string, string>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function boundedInt(flag: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined || !/^\d+$/.test(text.trim()) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max} (got ${text === undefined ? 'nothing' : JSON.stringify(text)})`);
  }
  return Number(text);
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { command: 'help', format: 'text', json: false, settingsFile: undefined, intervalMs: 1000, timeoutMs: 2000, settingFlags: new Map() };
  let command: CliCommand | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      if (arg === '-h') {
        command = 'help';
        continue;
      }
      if (command !== null) throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (one command at a time)`);
      if (arg !== 'doctor' && arg !== 'watch' && arg !== 'help') throw new UsageError(`unknown command ${JSON.stringify(arg)}; expected doctor or watch`);
      command = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    // A value is the next argument unless given with `=`.
    const value = (): string | undefined => (inline !== undefined ? inline : i + 1 < argv.length ? argv[++i] : undefined);
    switch (name) {
      case 'json':
        args.format = 'json';
        break;
      case 'format': {
        const v = value();
        if (!FORMATS.includes(v as CliFormat))
          throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got ${v === undefined ? 'nothing' : JSON.stringify(v)})`);
        args.format = v as CliFormat;
        break;
      }
      case 'help':
        command = 'help';
        break;
      case 'version':
        command = 'version';
        break;
      case 'no-settings':
        args.settingsFile = null;
        break;
      case 'settings': {
        const v = value();
        if (v === undefined || v === '') throw new UsageError('--settings needs a file path');
        args.settingsFile = v;
        break;
      }
      case 'interval':
        args.intervalMs = boundedInt('interval', value(), 100, 3_600_000);
        break;
      case 'timeout':
        args.timeoutMs = boundedInt('timeout', value(), 100, 600_000);
        break;
      default: {
        if (!settingOf(name))
          throw new UsageError(`unknown option --${name}; settings are given as --<area>.<name> (e.g. --loopback.start 200), see flake-doctor --help`);
        const v = value();
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        args.settingFlags.set(name, v);
      }
    }
  }
  args.command = command ?? 'help';
  args.json = args.format === 'json';
  return args;
}

export const USAGE = `Usage: flake-doctor <command> [options]

Commands:
  doctor            print one report of every infrastructure problem found, then exit
  watch             redraw the same report live until Ctrl-C

Options:
  --json            the report as JSON (schema: schema/doctor-report.schema.json)
  --format <f>      text (default), json (= --json), or github: the text report plus
                    ::error/::warning annotations, and a table of every problem appended
                    to $GITHUB_STEP_SUMMARY when it is set
  --settings <file> read flakeDoctor.* settings from <file> (default: .vscode/settings.json)
  --no-settings     ignore settings files; defaults and flags only
  --timeout <ms>    bound on reading one attached process (default 2000)
  --interval <ms>   watch: redraw period (default 1000)
  --<area>.<name> <value>
                    any flakeDoctor.<area>.<name> setting, overriding the settings file;
                    lists are comma-separated, e.g.
                    --loopback.start 200 --loopback.probePorts 19925,19926
                    --locks.paths a.lock,b.lock --calls.stallThresholdMs 500

With OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_LOGS_ENDPOINT) set, doctor also
exports each problem as an OTLP log record (bounded to 2 s; a failure is one warning).

Exit status: 0 nothing found, 1 problems found, 2 usage or environment error.
`;
