import type { CommandContribution, PluginHost } from '@lockstep/core';
import type { LockstepContext } from './context.js';

/**
 * Runs a command a plugin contributes, when no built-in command matched `argv`. The contribution
 * whose path is the longest prefix of `argv` wins; the rest of `argv` goes to its handler. The
 * plugin is activated only now (`onCommand:<path>`) and deactivated when the command returns.
 *
 * @param argv the words after `lockstep`
 * @param context the invocation's context
 * @param parseError why clipanion matched no built-in; only an unknown command is looked up
 * @returns the handler's exit code, or undefined when no plugin contributes such a command
 * @throws {PluginError} when the contributing plugin registers no handler for the path
 */
export async function runPluginCommand(
  argv: string[],
  context: LockstepContext,
  parseError: unknown,
): Promise<number | undefined> {
  if (!(parseError instanceof Error) || parseError.name !== 'UnknownSyntaxError') return undefined;
  if (argv.length === 0 || argv[0]!.startsWith('-')) return undefined;
  let host: PluginHost;
  try {
    host = await context.plugins();
  } catch {
    // A typo on the command line is the user's problem to see, not a broken plugin elsewhere.
    return undefined;
  }
  const contribution = findContribution(host, argv);
  if (!contribution) return undefined;
  const { ErrorCodes, PluginError } = await import('./lazy/core.js');
  try {
    const handler = await host.activateCommand(contribution.path);
    if (!handler) {
      throw new PluginError(
        ErrorCodes.PLUGIN_CONTRIBUTION_MISSING,
        undefined,
        `no handler registered for command "${contribution.path.join(' ')}"`,
      );
    }
    return await handler(argv.slice(contribution.path.length), {
      cwd: context.cwd,
      env: context.env,
      stdin: context.stdin,
      stdout: context.stdout,
      stderr: context.stderr,
      signal: context.signal,
    });
  } finally {
    await host.deactivateAll();
  }
}

/**
 * Finds the contributed command whose path is the longest prefix of `argv`.
 *
 * @param host the plugin host, whose manifests list the contributions
 * @param argv the words after `lockstep`
 * @returns the contribution, or undefined
 */
export function findContribution(host: PluginHost, argv: readonly string[]): CommandContribution | undefined {
  let best: CommandContribution | undefined;
  for (const manifest of host.manifests) {
    for (const command of manifest.contributes.commands) {
      const matches = command.path.length <= argv.length && command.path.every((word, i) => argv[i] === word);
      if (matches && (!best || command.path.length > best.path.length)) best = command;
    }
  }
  return best;
}
