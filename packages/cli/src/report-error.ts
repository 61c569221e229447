import type { Cli, Command } from 'clipanion';
import type { LockstepContext } from './context.js';
import { EXIT_USAGE } from './exit-codes.js';
import { reportRuntimeError } from './runtime-error.js';

export { EXIT_FAILURE, EXIT_USAGE } from './exit-codes.js';

/**
 * The one place where an error of the command line becomes output and an exit code (the quick
 * path, which has no command line parser, calls {@link reportRuntimeError} directly).
 *
 * - clipanion's usage errors (bad option, unknown command, failed validator): the message and
 *   the command's usage, exit 2.
 * - anything else: as {@link reportRuntimeError} writes it (`code message` for a
 *   `LockstepError`, `internal error` with the stack otherwise).
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
  return reportRuntimeError(error, stderr);
}

function isClipanionError(error: unknown): error is Error {
  return typeof error === 'object' && error !== null && 'clipanion' in error && error instanceof Error;
}
