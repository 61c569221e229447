import type { LockstepContext } from './context.js';
import { callBarrier, callSemaphore } from './coordinator-calls.js';
import { DEFAULT_CONNECT_TIMEOUT, type ClientOptionValues } from './coordinator-connection.js';
import { reportRuntimeError } from './runtime-error.js';

/**
 * The two calls scripts make in loops and in every playbook step, in their plain form:
 * `lockstep sem NAME DELTA` and `lockstep barrier NAME COUNT`, three words, the coordinator
 * and token from `LOCKSTEP_COORDINATOR` / `LOCKSTEP_TOKEN`. They run without loading clipanion
 * and the command classes: building clipanion's parser is about a third of such a call's cost
 * beyond `node -e 0` (issue 3 asks for at most 1.5x).
 *
 * Anything else (an option, `--help`, a word that is not an integer where the number goes, a
 * COUNT below 1) is left to the full command line, which parses and explains it; so this only
 * ever runs what `commands/sem.ts` and `commands/barrier.ts` would run for the same words, through
 * the same functions (coordinator-calls.ts).
 *
 * @param argv the words after `lockstep`
 * @returns the call to run, or undefined when the full command line must handle `argv`
 */
export function quickCommand(argv: readonly string[]): ((context: LockstepContext) => Promise<number>) | undefined {
  if (argv.length !== 3) return undefined;
  const [command, name, word] = argv as [string, string, string];
  if (name.startsWith('-') || !/^-?\d+$/.test(word)) return undefined;
  const number = Number(word);
  if (!Number.isSafeInteger(number)) return undefined;
  if (command === 'sem') return (context) => guarded(context, callSemaphore(context, fromEnvironment, { name, delta: number }));
  if (command === 'barrier' && number >= 1) return (context) => guarded(context, callBarrier(context, fromEnvironment, { name, count: number }));
  return undefined;
}

/** The client options when none is given: every value then comes from the environment. */
const fromEnvironment: ClientOptionValues = {
  coordinator: undefined,
  token: undefined,
  tokenFile: undefined,
  discover: undefined,
  iface: undefined,
  lifespan: undefined,
  connectTimeout: DEFAULT_CONNECT_TIMEOUT,
};

async function guarded(context: LockstepContext, call: Promise<number>): Promise<number> {
  try {
    return await call;
  } catch (error) {
    return reportRuntimeError(error, context.stderr);
  }
}
