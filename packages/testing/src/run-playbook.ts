import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadPlaybook, parsePlaybookText } from '@lockstep/core';
import { createTestHost, runWithRecorder, type TestRunOptions, type TestRunResult } from './test-run.js';

/** Options of {@link runPlaybook}. */
export interface RunPlaybookOptions extends TestRunOptions {
  /** `--vars` overrides. */
  vars?: Record<string, string>;
  /**
   * For YAML text: the directory it lives in (relative `plugins:` and local workdirs resolve
   * there). Default a temporary directory, removed afterwards.
   */
  dir?: string;
}

/**
 * Loads a playbook (a file path, or YAML text) the way `lockstep run` does and runs it.
 *
 * @param yamlTextOrFile a path ending in `.yml`/`.yaml`, or the YAML itself
 * @param options plugins, vars, limit, dry run, signal
 * @returns the result and every event
 * @throws {PlaybookError} when the playbook is invalid
 * @example
 * const { result } = await runPlaybook(`
 * nodes: { a: { connection: local } }
 * phases: [{ name: hi, steps: [{ run: echo hi }] }]
 * `);
 */
export async function runPlaybook(yamlTextOrFile: string, options: RunPlaybookOptions = {}): Promise<TestRunResult> {
  const isFile = !yamlTextOrFile.includes('\n') && /\.ya?ml$/.test(yamlTextOrFile.trim());
  const temp = !isFile && options.dir === undefined ? await mkdtemp(join(tmpdir(), 'lockstep-playbook-')) : undefined;
  try {
    const host = await createTestHost(options);
    const loadOptions = {
      catalog: async (dirs: string[]) => {
        await host.addPluginDirs(dirs);
        return host.catalog();
      },
      ...(options.vars === undefined ? {} : { vars: options.vars }),
      ...(options.env === undefined ? {} : { env: options.env }),
    };
    const playbook = isFile
      ? await loadPlaybook(resolve(options.cwd ?? process.cwd(), yamlTextOrFile.trim()), loadOptions)
      : await parsePlaybookText(yamlTextOrFile, join(temp ?? resolve(options.dir!), 'playbook.yml'), loadOptions);
    return await runWithRecorder(playbook, host, options);
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true });
  }
}
