import { ErrorCodes, isLockstepError, markPhaseFallout, parseDuration } from '@lockstep/core';
import type { StepContext, StepHandler, StepOutcome, StepPlanner } from '@lockstep/core';
import { watchFailedPeers } from '../failed-peers.js';

/** Arguments of the `barrier` step, as the playbook writes them. */
export interface BarrierArgs {
  /** Barrier name, shared by every node of the run. */
  name: string;
  /** Participants to wait for; default the number of nodes of the phase. */
  count?: number;
  /** Longest wait (duration); absent: until the step's own timeout or the run ends. */
  timeout?: string | number;
}

/**
 * Waits at a named barrier of the run's coordinator until `count` participants arrived, then
 * all go on together. A node of the phase that failed (before or during the wait) never
 * arrives: when the barrier can no longer fill, every waiting node withdraws and fails at once
 * with an error naming the failed nodes, rather than waiting for a timeout.
 *
 * @param args validated step arguments
 * @param context the step context
 * @returns the generation that fired, as the summary and in `data.generation`
 * @throws {LockstepError} `BARRIER_BROKEN` (LS5004) when a node of the phase failed and the
 *   barrier can no longer fill, or on a count mismatch; `COORDINATOR_TIMED_OUT` (LS5003) when
 *   `timeout` runs out
 */
export const barrierStep: StepHandler<BarrierArgs> = async (args, context: StepContext): Promise<StepOutcome> => {
  const count = args.count ?? context.phase.nodes.length;
  const timeoutMs = args.timeout === undefined ? undefined : parseDuration(args.timeout);
  const watch = watchFailedPeers({ name: args.name, count }, context);
  try {
    const early = watch.broken();
    if (early) throw early; // handled below like a failure during the wait
    context.progress.report(`waiting at barrier ${args.name} for ${count}`);
    const { generation } = await context.coordinator.barrier(args.name, count, {
      signal: watch.signal,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    return { summary: `${args.name} released (${count}, generation ${generation})`, data: { name: args.name, count, generation } };
  } catch (error) {
    // The coordinator rejects an aborted wait with its own error; the reason users need is ours.
    const reason = watch.broken() ?? error;
    if (isLockstepError(reason) && reason.code === ErrorCodes.BARRIER_BROKEN) markPhaseFallout(context);
    throw reason;
  } finally {
    watch.dispose();
  }
};

/**
 * Describes the step for `--dry-run`.
 *
 * @param args validated step arguments
 * @returns one line, e.g. `barrier restarted (waits for every node of the phase)`
 */
export const planBarrier: StepPlanner<BarrierArgs> = (args) =>
  `barrier ${args.name} (waits for ${args.count ?? 'every node of the phase'})`;
