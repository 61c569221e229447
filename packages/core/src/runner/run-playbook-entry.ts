import type { Playbook } from '../playbook/model.js';
import type { PlaybookRun, RunResult } from './run-playbook.js';
import type { RunOptions } from './run-options.js';

// The public entry points of the runner. The runner itself (phases, steps, sessions) is imported
// on first use, so that `@lockstep/core` stays cheap for commands that never run a playbook.

/**
 * Runs a playbook on its nodes and reports every event to `options.reporter`: phases in order,
 * the nodes of a phase concurrently within `forks`, each node's steps in order. Everything the
 * run acquired is released at the end, on failure and on interrupt.
 *
 * @param playbook a loaded playbook (see `loadPlaybook`)
 * @param options plugin host, reporter, `forks` (default 10), `limit`, `dryRun`, interrupt `signal`
 * @returns status and exit code: 0 ok, 1 a node failed or the run stopped, 130 interrupted
 * @throws {TypeError} for invalid options
 * @throws {LockstepError} `NODE_UNKNOWN` when `limit` names no node or group
 * @example
 * const host = await PluginHost.discover({ cwd, dirs: playbook.plugins });
 * const result = await runPlaybook(playbook, { host, reporter, signal: controller.signal });
 * process.exitCode = result.exitCode;
 */
export async function runPlaybook(playbook: Playbook, options: RunOptions): Promise<RunResult> {
  const runner = await import('./run-playbook.js');
  return runner.runPlaybook(playbook, options);
}

/**
 * Prepares a run without starting it, for callers that want its events besides the reporter
 * (`run.onDidFinishStep`, `run.onDidFinishNode`); start it with `run.start()`.
 *
 * @param playbook a loaded playbook
 * @param options as for {@link runPlaybook}
 * @returns the run, not started
 * @throws {TypeError} for invalid options
 * @throws {LockstepError} `NODE_UNKNOWN` when `limit` names no node or group
 * @example
 * const run = await createPlaybookRun(playbook, { host, reporter });
 * run.onDidFinishStep((e) => e.status === 'failed' && console.error(e.step.node, e.error?.message));
 * const result = await run.start();
 */
export async function createPlaybookRun(playbook: Playbook, options: RunOptions): Promise<PlaybookRun> {
  const runner = await import('./run-playbook.js');
  return new runner.PlaybookRun(playbook, options);
}
