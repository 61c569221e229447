import { createContext, type LockstepContext } from './context.js';
import { EXIT_INTERRUPTED } from './exit-codes.js';

/**
 * The context of this process, for the entry points (main.ts, quick-main.ts): the only code that
 * reads `process`. It turns Ctrl-C into an abort of `context.signal` and, with `finish`, sets the
 * exit code and lets stdin go.
 *
 * @returns the context and `finish(exitCode)`, to call when the command is done
 */
export function processContext(): { context: LockstepContext; finish(exitCode: number): void } {
  const interrupt = new AbortController();
  let interrupts = 0;
  // First Ctrl-C: abort the run so that disposables (locks, semaphores, connections) are released
  // and the runner reports `interrupted`. Second Ctrl-C: the user wants out now.
  process.on('SIGINT', () => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write('\ninterrupting: cleaning up (press Ctrl-C again to exit at once)\n');
      interrupt.abort(new Error('interrupted'));
    } else {
      process.exit(EXIT_INTERRUPTED);
    }
  });
  process.on('SIGTERM', () => interrupt.abort(new Error('terminated')));

  const stdout = process.stdout;
  // process.stdin is made on first read (a stream over a pipe, file or terminal: a few ms), and
  // most commands never read it.
  let stdin: NodeJS.ReadStream | undefined;
  const context = createContext({
    cwd: process.cwd(),
    env: process.env,
    stdin: () => (stdin ??= process.stdin),
    stdout,
    stderr: process.stderr,
    colorDepth: stdout.isTTY ? stdout.getColorDepth(process.env) : 1,
    signal: interrupt.signal,
  });
  return {
    context,
    finish(exitCode) {
      // Commands report an interrupt themselves (a run exits 130, `lockstep lock` exits with its
      // command's own status after passing the signal on), so their code stands as it is.
      process.exitCode = exitCode;
      // Let stdin go, so a command that never read it does not keep the process alive.
      stdin?.unref?.();
    },
  };
}
