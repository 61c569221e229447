#!/usr/bin/env node
/**
 * The `lockstep` bin: the only module that reads `process`. It builds the real context, turns
 * Ctrl-C into an abort, runs the CLI and sets the exit code.
 */
import { runCli } from './cli.js';
import { createContext } from './context.js';

const EXIT_INTERRUPTED = 130;

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
const colorDepth = stdout.isTTY ? stdout.getColorDepth(process.env) : 1;

const context = createContext({
  cwd: process.cwd(),
  env: process.env,
  stdin: process.stdin,
  stdout,
  stderr: process.stderr,
  colorDepth,
  signal: interrupt.signal,
});

const exitCode = await runCli(process.argv.slice(2), context);
// Commands report an interrupt themselves (a run exits 130, `lockstep lock` exits with its
// command's own status after passing the signal on), so their code stands as it is.
process.exitCode = exitCode;
// Let stdin go, so a command that never read it does not keep the process alive.
process.stdin.unref?.();
