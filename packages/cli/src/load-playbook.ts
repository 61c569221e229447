import type { Playbook, PluginHost } from '@lockstep/core';
import type { LockstepContext } from './context.js';

/**
 * Loads and validates a playbook for a command: the path resolves against the context's cwd,
 * the plugin dirs the playbook lists join the host, and every installed step type is known.
 *
 * @param context the invocation's cwd, env and plugin host
 * @param file the playbook path as the user typed it
 * @param vars `--vars` overrides
 * @returns the playbook and the plugin host it was validated against
 * @throws {PlaybookError} listing every problem as `file:line:col: message`
 */
export async function loadPlaybookFor(
  context: LockstepContext,
  file: string,
  vars: Record<string, string> = {},
): Promise<{ playbook: Playbook; host: PluginHost }> {
  const [{ loadPlaybook }, host] = await Promise.all([import('./lazy/core.js'), context.plugins()]);
  const playbook = await loadPlaybook(file, {
    cwd: context.cwd,
    catalog: async (dirs) => {
      await host.addPluginDirs(dirs);
      return host.catalog();
    },
    vars,
    env: context.env,
  });
  return { playbook, host };
}
