import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { PluginHost, runPlaybook as runCorePlaybook, type Playbook, type RunEvent, type RunResult } from '@lockstep/core';
import { createRecordingReporter, outputLines } from './recording-reporter.js';

/** What a test run left behind: the result and every event, in order. */
export interface TestRunResult {
  result: RunResult;
  events: RunEvent[];
  /** Output lines (`step:output`), all or one node's. */
  output(node?: string): string[];
}

/** Options shared by {@link runStep} and {@link runPlaybook}. */
export interface TestRunOptions {
  /** Plugin directories to load (your plugin's folder), besides what discovery finds. */
  plugins?: string[];
  /** Where plugin discovery starts; default `process.cwd()`. */
  cwd?: string;
  /** Environment for templates and `when`; default `process.env`. */
  env?: Record<string, string | undefined>;
  forks?: number;
  limit?: string[];
  dryRun?: boolean;
  /** Aborting interrupts the run, as Ctrl-C does. */
  signal?: AbortSignal;
}

/**
 * The directory of `@lockstep/plugin-run`, so `run` steps work in a plugin's own repository.
 *
 * @returns the directory, or undefined when it is not installed
 */
export function runPluginDir(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('@lockstep/plugin-run/package.json'));
  } catch {
    return undefined;
  }
}

/**
 * Discovers plugins the way the CLI does, plus `plugins` and the `run` plugin.
 *
 * @param options where to look
 * @returns the host
 */
export async function createTestHost(options: Pick<TestRunOptions, 'plugins' | 'cwd'> = {}): Promise<PluginHost> {
  const cwd = options.cwd ?? process.cwd();
  const run = runPluginDir();
  return PluginHost.discover({ cwd, dirs: (options.plugins ?? []).map((dir) => resolve(cwd, dir)), builtinDirs: run ? [run] : [] });
}

/**
 * Runs a playbook object with a recording reporter.
 *
 * @param playbook the playbook
 * @param host the plugin host
 * @param options forks, limit, dry run, signal, env
 * @returns result and events
 */
export async function runWithRecorder(playbook: Playbook, host: PluginHost, options: TestRunOptions = {}): Promise<TestRunResult> {
  const reporter = createRecordingReporter();
  const result = await runCorePlaybook(playbook, {
    host,
    reporter,
    ...(options.forks === undefined ? {} : { forks: options.forks }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  return { result, events: reporter.events, output: (node) => outputLines(reporter.events, node) };
}
