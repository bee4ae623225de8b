// `flake-doctor doctor|watch`: configuration from settings + flags, one doctor pass (or one per
// interval), the report as text or JSON. Exit status: 0 nothing found, 1 problems found,
// 2 usage or environment error (bad flag or setting, or part of the diagnosis impossible).

import { appendFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DoctorConfig } from '../core/doctor/config';
import type { DoctorReport } from '../core/doctor/report';
import { runDoctor } from '../core/doctor/runDoctor';
import { exportToOtlp } from '../core/export';
import { parseArgs, UsageError, USAGE, type CliArgs } from './args';
import { ConfigError, readSettingsFile, resolveDoctorConfig } from './config/loadConfig';
import { githubAnnotations, githubSummary } from './github';
import { COLOUR, PLAIN, renderReport, wantsColour } from './render';

declare const FLAKE_DOCTOR_VERSION: string | undefined;

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Resolves when the user asks to stop (Ctrl-C); `watch` runs until then. */
  interrupted: Promise<void>;
}

export const EXIT = { clean: 0, problems: 1, usage: 2 } as const;

/** The exit status a report calls for: problems win, then anything that could not be checked. */
export function exitStatus(report: DoctorReport): number {
  if (report.problems.length > 0) return EXIT.problems;
  return report.errors.length > 0 ? EXIT.usage : EXIT.clean;
}

export function loadConfig(args: CliArgs, io: Pick<CliIo, 'cwd' | 'env'>): DoctorConfig {
  let file: Record<string, unknown> = {};
  let fileLabel = '.vscode/settings.json';
  if (args.settingsFile !== null) {
    const path = args.settingsFile ?? join(io.cwd, '.vscode', 'settings.json');
    fileLabel = relative(io.cwd, path) || path;
    file = readSettingsFile(path, fileLabel);
  }
  const config = resolveDoctorConfig({ file, fileLabel, flags: args.settingFlags }, { cwd: io.cwd, env: io.env });
  return { ...config, processTimeoutMs: args.timeoutMs };
}

const version = (): string => (typeof FLAKE_DOCTOR_VERSION === 'string' ? FLAKE_DOCTOR_VERSION : 'development');

function print(report: DoctorReport, args: CliArgs, io: CliIo): void {
  if (args.json) io.stdout.write(`${JSON.stringify(report, null, args.command === 'watch' ? undefined : 2)}\n`);
  else io.stdout.write(renderReport(report, wantsColour(io.stdout, io.env) ? COLOUR : PLAIN));
  if (args.format === 'github' && args.command === 'doctor') printGithub(report, io);
}

/** --format github: annotations after the text report, and the table appended to the job summary. */
function printGithub(report: DoctorReport, io: CliIo): void {
  io.stdout.write(githubAnnotations(report));
  const summary = io.env.GITHUB_STEP_SUMMARY;
  if (!summary) return;
  try {
    appendFileSync(summary, githubSummary(report));
  } catch (err) {
    // The annotations and the log already carry every problem: a summary that cannot be written is a warning.
    io.stderr.write(`flake-doctor: could not append to GITHUB_STEP_SUMMARY (${summary}): ${(err as Error).message}\n`);
  }
}

async function watch(config: DoctorConfig, args: CliArgs, io: CliIo): Promise<number> {
  let stopped = false;
  void io.interrupted.then(() => (stopped = true));
  const clear = !args.json && io.stdout.isTTY === true;
  let last = EXIT.clean as number;
  while (!stopped) {
    const report = await runDoctor(config);
    last = exitStatus(report);
    // Redrawn in place on a terminal; elsewhere (or with --json, one report per line) appended.
    if (clear) io.stdout.write('\u001b[2J\u001b[H');
    print(report, args, io);
    if (!args.json) io.stdout.write(`\n${new Date().toLocaleTimeString()} · every ${args.intervalMs} ms · Ctrl-C to stop\n`);
    // The timer keeps the process alive between passes; Ctrl-C cuts the wait short.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([io.interrupted, new Promise((r) => (timer = setTimeout(r, args.intervalMs)))]);
    clearTimeout(timer);
  }
  return last;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CliArgs;
  let config: DoctorConfig;
  try {
    args = parseArgs(argv);
    if (args.command === 'help') {
      io.stdout.write(USAGE);
      return argv.length === 0 ? EXIT.usage : EXIT.clean;
    }
    if (args.command === 'version') {
      io.stdout.write(`${version()}\n`);
      return EXIT.clean;
    }
    config = loadConfig(args, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.stderr.write(`flake-doctor: ${err.message.split('\n').join('\nflake-doctor: ')}\n`);
      if (err instanceof UsageError) io.stderr.write('Run flake-doctor --help for usage.\n');
      return EXIT.usage;
    }
    throw err;
  }
  if (args.command === 'watch') return watch(config, args, io);
  const report = await runDoctor(config);
  print(report, args, io);
  // After the report is out, so a slow collector never delays what a person reads (bounded to 2 s).
  await exportToOtlp({ problems: report.problems }, { env: io.env, warn: (line) => io.stderr.write(`${line}\n`), version: version() });
  return exitStatus(report);
}
