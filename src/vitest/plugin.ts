// `plugins: [flakeDoctor()]` in a vitest config. Per test project it adds the worker setup file
// (bridge, loopbackAddress(), culprits on failure) and provides the workers their settings;
// once per run it adds the reporter that writes flake-doctor-report.json. The settings are the
// editor's: `.vscode/settings.json` in the project root, the same file `flake-doctor doctor` reads.

import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Vite, VitestPluginContext } from 'vitest/node';
import { readSettingsFile, resolveDoctorConfig } from '../cli/config/loadConfig';
import type { DoctorConfig } from '../core/doctor/config';
import { FlakeDoctorReporter } from './reporter';
import { PROVIDE_KEY, type FlakeDoctorProvided, type LeftoverMode } from './shared';

export interface FlakeDoctorOptions {
  /** Where the JSON report goes, relative to the root (default `flake-doctor-report.json`); false: none. */
  report?: string | false;
  /** A call in flight this long when a test fails is named (default: half the test timeout, at most 10 s). */
  stallThresholdMs?: number;
  /** The settings file (default `<root>/.vscode/settings.json`); false: defaults only. */
  settings?: string | false;
  /** Bridge directory for the workers (default FLAKE_DOCTOR_BRIDGE_DIR or the per-user default). */
  bridgeDir?: string;
  /**
   * What a test file leaves running when it ends (calls in flight, open WebSockets, listening
   * servers, live children): reported as a warning (default), reported and the file failed, or not looked at.
   */
  leftovers?: LeftoverMode;
}

const LEFTOVER_MODES: readonly LeftoverMode[] = ['warn', 'fail', 'off'];

/** The worker setup module, built beside this one (dist/lib/vitest-setup.mjs). */
function setupFile(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'vitest-setup.mjs');
}

function doctorConfigFor(root: string, options: FlakeDoctorOptions): DoctorConfig {
  const file =
    options.settings === false ? {} : readSettingsFile(resolve(root, options.settings ?? '.vscode/settings.json'), options.settings ?? '.vscode/settings.json');
  return resolveDoctorConfig({ file, fileLabel: options.settings || '.vscode/settings.json', flags: new Map() }, { cwd: root });
}

export function flakeDoctor(options: FlakeDoctorOptions = {}): Vite.Plugin {
  if (options.stallThresholdMs !== undefined && (!Number.isInteger(options.stallThresholdMs) || options.stallThresholdMs < 1)) {
    throw new RangeError(`flakeDoctor({ stallThresholdMs }) must be a positive integer of ms (got ${options.stallThresholdMs})`);
  }
  if (options.leftovers !== undefined && !LEFTOVER_MODES.includes(options.leftovers)) {
    throw new RangeError(
      `flakeDoctor({ leftovers }) must be one of ${LEFTOVER_MODES.map((m) => `'${m}'`).join(', ')} (got ${JSON.stringify(options.leftovers)})`,
    );
  }
  const withReporter = new WeakSet<object>();
  return {
    name: 'flake-doctor',
    configureVitest({ vitest, project }: VitestPluginContext) {
      const root = project.config.root;
      const config = doctorConfigFor(root, options);
      const bridgeDir = options.bridgeDir ?? config.bridgeDir ?? null;
      const provided: FlakeDoctorProvided = {
        stallThresholdMs: options.stallThresholdMs ?? Math.min(10_000, Math.max(100, Math.floor(project.config.testTimeout / 2))),
        loopback: { ...config.loopback.config, probePorts: [...config.loopback.config.probePorts], poolFile: config.loopback.poolFiles[0] },
        bridgeDir,
        leftovers: options.leftovers ?? 'warn',
      };
      project.provide(PROVIDE_KEY, provided);
      const setup = setupFile();
      if (!project.config.setupFiles.includes(setup)) project.config.setupFiles.push(setup);
      if (options.report !== false && !withReporter.has(vitest)) {
        withReporter.add(vitest);
        const path = options.report ?? 'flake-doctor-report.json';
        const reportPath = isAbsolute(path) ? path : resolve(vitest.config.root, path);
        vitest.config.reporters.push(new FlakeDoctorReporter(reportPath, { ...config, ...(bridgeDir ? { bridgeDir } : {}) }, vitest.config.root) as never);
      }
    },
  };
}
