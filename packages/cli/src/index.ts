/**
 * The lockstep command line as a library: build the CLI, run it against injected streams.
 * The `lockstep` bin is `bin/lockstep.cjs`, which runs `main.ts`; tests use `@lockstep/testing`'s `runCli`.
 */
export { createCli, runCli, version } from './cli.js';
export { createContext } from './context.js';
export type { LockstepContext, ContextOptions } from './context.js';
export { reportError, EXIT_USAGE, EXIT_FAILURE } from './report-error.js';
export { commands } from './commands/index.js';
export { renderCliReference } from './cli-reference.js';
