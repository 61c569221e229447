import { parseDuration } from '@lockstep/core';
import type { StepContext, StepHandler, StepOutcome, StepPlanner } from '@lockstep/core';

/** Arguments of the `semaphore` step, as the playbook writes them. */
export interface SemaphoreArgs {
  /** Semaphore name, shared by every node of the run. */
  name: string;
  /** < 0 waits then subtracts, > 0 adds and wakes waiters, 0 reads. */
  delta: number;
  /** Value when this step creates the semaphore (default 0). */
  initial?: number;
  /** Longest wait (duration); absent: until the step's own timeout or the run ends. */
  timeout?: string | number;
}

/**
 * Runs dissem's `sem NAME DELTA` through the node's coordinator session.
 *
 * @param args validated step arguments
 * @param context the step context
 * @returns the semaphore's value after the operation, as the summary and in `data.value`
 * @throws {LockstepError} `COORDINATOR_TIMED_OUT` (LS5003) when `timeout` runs out first
 */
export const semaphoreStep: StepHandler<SemaphoreArgs> = async (args, context: StepContext): Promise<StepOutcome> => {
  const timeoutMs = args.timeout === undefined ? undefined : parseDuration(args.timeout);
  if (args.delta < 0) context.progress.report(`waiting for ${-args.delta} on semaphore ${args.name}`);
  const value = await context.coordinator.semaphore(args.name, args.delta, {
    signal: context.signal,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(args.initial === undefined ? {} : { initial: args.initial }),
  });
  return {
    summary: `${args.name} = ${value}`,
    data: { name: args.name, delta: args.delta, value },
    unchanged: args.delta === 0,
  };
};

/**
 * Describes the step for `--dry-run`.
 *
 * @param args validated step arguments
 * @returns one line, e.g. `semaphore restart -1 (waits while the value is below 1)`
 */
export const planSemaphore: StepPlanner<SemaphoreArgs> = (args) => {
  const op = args.delta < 0 ? ` (waits while the value is below ${-args.delta})` : args.delta === 0 ? ' (reads the value)' : '';
  return `semaphore ${args.name} ${args.delta > 0 ? '+' : ''}${args.delta}${op}`;
};
