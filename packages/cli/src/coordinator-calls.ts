import type { LockstepContext } from './context.js';
import { connectFromOptions, type ClientOptionValues } from './coordinator-connection.js';
import { EXIT_INTERRUPTED } from './exit-codes.js';

// What `lockstep sem` and `lockstep barrier` do once their words are parsed, without clipanion:
// the commands (commands/sem.ts, commands/barrier.ts) and the quick path (quick-path.ts) both
// end here, so the two ways in cannot drift apart.

/** A parsed `lockstep sem NAME DELTA [--timeout T] [--initial N]`. */
export interface SemaphoreCall {
  name: string;
  delta: number;
  timeout?: string | undefined;
  initial?: number | undefined;
}

/** A parsed `lockstep barrier NAME COUNT [--timeout T]`. */
export interface BarrierCall {
  name: string;
  count: number;
  timeout?: string | undefined;
}

/**
 * Applies DELTA to the semaphore and prints its value after the operation.
 *
 * @returns the exit code: 0, or 130 when interrupted (Ctrl-C, SIGTERM) while waiting
 * @throws {LockstepError} unreachable coordinator, timed-out wait (`LS5003`), …
 */
export async function callSemaphore(context: LockstepContext, options: ClientOptionValues, call: SemaphoreCall): Promise<number> {
  const { client, lib } = await connectFromOptions(context, options, 'sem');
  try {
    const value = await client.semaphore(call.name, call.delta, {
      signal: context.signal,
      ...(call.timeout === undefined ? {} : { timeoutMs: lib.parseDuration(call.timeout) }),
      ...(call.initial === undefined ? {} : { initial: call.initial }),
    });
    context.stdout.write(`${value}\n`);
    return 0;
  } catch (error) {
    return interrupted(context, `semaphore "${call.name}" ${call.delta}`, error);
  } finally {
    await client.dispose();
  }
}

/**
 * Arrives at the barrier, waits until it fires and prints the generation that fired.
 *
 * @returns the exit code: 0, or 130 when interrupted (Ctrl-C, SIGTERM) while waiting
 * @throws {LockstepError} `LS5004` for a COUNT mismatch or a participant that left, `LS5003` on timeout
 */
export async function callBarrier(context: LockstepContext, options: ClientOptionValues, call: BarrierCall): Promise<number> {
  const { client, lib } = await connectFromOptions(context, options, 'barrier');
  try {
    const { generation } = await client.barrier(call.name, call.count, {
      signal: context.signal,
      ...(call.timeout === undefined ? {} : { timeoutMs: lib.parseDuration(call.timeout) }),
    });
    context.stdout.write(`${generation}\n`);
    return 0;
  } catch (error) {
    return interrupted(context, `barrier "${call.name}" (count ${call.count})`, error);
  } finally {
    await client.dispose();
  }
}

/**
 * A wait that failed because the user interrupted it (the client withdrew the request and the
 * coordinator answered "cancelled") is reported as an interrupt, exit 130, like every other
 * command; any other failure is rethrown.
 */
function interrupted(context: LockstepContext, what: string, error: unknown): number {
  if (!context.signal.aborted) throw error;
  context.stderr.write(`${what}: interrupted while waiting; the request was withdrawn\n`);
  return EXIT_INTERRUPTED;
}
