import type { Cli, Command } from 'clipanion';
import type { LockstepContext } from './context.js';

/** Exit code when the playbook or the command line is wrong. */
export const EXIT_USAGE = 2;
/** Exit code when something failed at run time. */
export const EXIT_FAILURE = 1;

/**
 * The one place where an error becomes output and an exit code.
 *
 * - clipanion's usage errors (bad option, unknown command, failed validator): the message and
 *   the command's usage, exit 2.
 * - a `LockstepError`: `code message`, no stack; exit 2 for the `LS1xxx` range (playbook and
 *   command line), 1 otherwise.
 * - anything else: `internal error` with its stack, exit 1.
 *
 * @param error what was thrown
 * @param where the CLI, the context whose stderr receives the text, and the command if known
 * @returns the exit code
 */
export async function reportError(
  error: unknown,
  where: { cli: Cli<LockstepContext>; context: LockstepContext; command?: Command<LockstepContext> },
): Promise<number> {
  const { cli, context, command } = where;
  const stderr = context.stderr;
  if (isClipanionError(error)) {
    const colored = context.colorDepth > 1;
    stderr.write(cli.error(error, command ? { colored, command } : { colored }));
    return EXIT_USAGE;
  }
  // Core is imported here, not at the top: `--help` should not pay for loading it.
  const { isLockstepError } = await import('./lazy/core.js');
  if (isLockstepError(error)) {
    stderr.write(`${error.code} ${error.message}\n`);
    return /^LS1\d{3}$/.test(error.code) ? EXIT_USAGE : EXIT_FAILURE;
  }
  const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  stderr.write(`internal error: ${stack}\n`);
  return EXIT_FAILURE;
}

function isClipanionError(error: unknown): error is Error {
  return typeof error === 'object' && error !== null && 'clipanion' in error && error instanceof Error;
}
