import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from '@lockstep/core';
import { runPlaybook } from '@lockstep/testing';

/** This plugin's directory, loaded explicitly besides what discovery finds. */
const pluginDir = fileURLToPath(new URL('../../', import.meta.url));

/** A scratch directory for one test: the playbook, the local nodes' workdirs, shared logs. */
export interface Scratch {
  dir: string;
  /** Absolute path of a file in the scratch directory. */
  path(name: string): string;
  /** Reads a file of the scratch directory as lines (empty lines dropped). */
  lines(name: string): Promise<string[]>;
  /** Runs a playbook written as YAML in the scratch directory, on real local nodes. */
  run(yaml: string): Promise<PlaybookRunResult>;
  remove(): Promise<void>;
}

/** What a run left behind: its exit code and every event it reported. */
export interface PlaybookRunResult {
  exitCode: number;
  events: RunEvent[];
  /** `step:output` lines of one node. */
  output(node: string): string[];
  /** The `step:end` events of steps of this type, by node. */
  ends(type: string): Map<string, Extract<RunEvent, { type: 'step:end' }>>;
}

/**
 * Makes a scratch directory in which tests run playbooks for real, on local nodes, through
 * `@lockstep/testing`'s `runPlaybook` (the loader, plugin host and runner the CLI uses).
 *
 * @returns the scratch directory; remove it after the test
 */
export async function makeScratch(): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-plugin-test-'));
  const path = (name: string) => join(dir, name);
  return {
    dir,
    path,
    lines: async (name) => (await readFile(path(name), 'utf8')).split('\n').filter((line) => line !== ''),
    async run(yaml) {
      const { result, events, output } = await runPlaybook(yaml, { dir, plugins: [pluginDir] });
      return {
        exitCode: result.exitCode,
        events,
        output: (node) => output(node),
        ends(type) {
          const found = new Map<string, Extract<RunEvent, { type: 'step:end' }>>();
          for (const event of events) if (event.type === 'step:end' && event.step.type === type) found.set(event.step.node, event);
          return found;
        },
      };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
