import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '@lockstep/core';
import { runPlaybook, type RunPlaybookOptions } from './run-playbook.js';
import type { TestRunResult } from './test-run.js';

/** Options of {@link playbookScratch}: how every playbook of the scratch directory runs. */
export type PlaybookScratchOptions = Omit<RunPlaybookOptions, 'dir'>;

/** What one playbook run in a {@link PlaybookScratch} left behind. */
export interface PlaybookScratchRun extends TestRunResult {
  /** The run's exit code (`result.exitCode`). */
  readonly exitCode: number;
  /**
   * The `step:end` events of steps of one type, by node (the last one when a node ran several).
   *
   * @param type the step type, e.g. `barrier`
   * @returns the events keyed by node name
   */
  ends(type: string): Map<string, Extract<RunEvent, { type: 'step:end' }>>;
}

/**
 * A scratch directory for tests that run playbooks for real on local (or SSH) nodes: the playbook,
 * the local nodes' working directories and any shared log files live there.
 *
 * It is a handle with a lifecycle rather than a directory, so a test file declares it once and
 * hooks `create`/`remove` into its test framework without a `let`.
 */
export interface PlaybookScratch {
  /**
   * Makes a new, empty scratch directory; call it from `beforeEach` (or `beforeAll`). A directory
   * made before is left to {@link PlaybookScratch.remove}.
   */
  create(): Promise<void>;
  /**
   * The directory's absolute path.
   *
   * @throws {Error} before {@link PlaybookScratch.create}
   */
  readonly dir: string;
  /**
   * The absolute path of a file in the scratch directory.
   *
   * @param name the file's name, relative to the directory
   * @returns the path
   */
  path(name: string): string;
  /**
   * Reads a file of the scratch directory as lines, empty lines dropped.
   *
   * @param name the file's name, relative to the directory
   * @returns the lines
   * @throws {Error} when the file cannot be read
   */
  lines(name: string): Promise<string[]>;
  /**
   * Runs a playbook written as YAML in the scratch directory through {@link runPlaybook} (the
   * loader, plugin host and runner the CLI uses).
   *
   * @param yaml the playbook text
   * @returns the exit code, every event, output lines and `step:end` events by type
   * @throws {PlaybookError} when the playbook is invalid
   */
  run(yaml: string): Promise<PlaybookScratchRun>;
  /** Removes the directory made by the last {@link PlaybookScratch.create}; does nothing otherwise. */
  remove(): Promise<void>;
}

/**
 * Declares a scratch directory in which a test file runs playbooks; `create()` and `remove()` it
 * around each test (or around the file).
 *
 * @param options how playbooks run, most often `plugins: [yourPluginDir]`
 * @returns the handle; nothing is created until {@link PlaybookScratch.create}
 * @example
 * const scratch = playbookScratch({ plugins: [fileURLToPath(new URL('../..', import.meta.url))] });
 * beforeEach(() => scratch.create());
 * afterEach(() => scratch.remove());
 *
 * it('passes the barrier', async () => {
 *   const result = await scratch.run(`
 * ${localNodesYaml(['a', 'b'])}
 * phases: [{ name: meet, steps: [{ barrier: { name: met } }] }]
 * `);
 *   expect(result.exitCode).toBe(0);
 * });
 */
export function playbookScratch(options: PlaybookScratchOptions = {}): PlaybookScratch {
  let current: string | undefined;
  const dir = () => {
    if (current === undefined) throw new Error('playbookScratch: call create() first (e.g. in beforeEach)');
    return current;
  };
  const path = (name: string) => join(dir(), name);
  return {
    async create() {
      current = await mkdtemp(join(tmpdir(), 'lockstep-plugin-test-'));
    },
    get dir() {
      return dir();
    },
    path,
    lines: async (name) => (await readFile(path(name), 'utf8')).split('\n').filter((line) => line !== ''),
    async run(yaml) {
      const run = await runPlaybook(yaml, { ...options, dir: dir() });
      return {
        ...run,
        exitCode: run.result.exitCode,
        ends(type) {
          const found = new Map<string, Extract<RunEvent, { type: 'step:end' }>>();
          for (const event of run.events) if (event.type === 'step:end' && event.step.type === type) found.set(event.step.node, event);
          return found;
        },
      };
    },
    async remove() {
      const removed = current;
      current = undefined;
      if (removed !== undefined) await rm(removed, { recursive: true, force: true });
    },
  };
}
