import { EXIT_FAILURE, EXIT_USAGE } from './exit-codes.js';

/**
 * Writes an error thrown while a command ran (not a command-line error) and returns the exit
 * code: a `LockstepError` as `code message`, no stack, exit 2 for the `LS1xxx` range (playbook
 * and command line) and 1 otherwise; anything else as `internal error` with its stack, exit 1.
 *
 * Used by {@link reportError} and by the quick path, which never loads clipanion.
 *
 * @param error what was thrown
 * @param stderr where the text goes
 * @returns the exit code
 */
export async function reportRuntimeError(error: unknown, stderr: NodeJS.WritableStream): Promise<number> {
  // The light client entry of core holds isLockstepError too: `--help` and the quick path
  // should not pay for loading the rest of core to recognise an error.
  const { isLockstepError } = await import('@lockstep/core/coordinator-client');
  if (isLockstepError(error)) {
    stderr.write(`${error.code} ${error.message}\n`);
    return /^LS1\d{3}$/.test(error.code) ? EXIT_USAGE : EXIT_FAILURE;
  }
  const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  stderr.write(`internal error: ${stack}\n`);
  return EXIT_FAILURE;
}
