import { ErrorCodes, LockstepError, failedPhasePeers, watchPhasePeers } from '@lockstep/core';
import type { FailedPhasePeers, PhasePeerWatch, StepContext } from '@lockstep/core';

/** What a barrier needs to know to decide that it can no longer fill. */
export interface BarrierFill {
  /** Barrier name, for the message. */
  name: string;
  /** Participants the barrier waits for. */
  count: number;
}

/**
 * Tells whether a barrier of `count` can still fill when `failed` nodes of the phase are gone,
 * and if not, builds the error that names them.
 *
 * The rule: a failed node never arrives, so the barrier can fill only if `count` is at most the
 * number of phase nodes still alive. With the default count (every node of the phase) that
 * means any failure breaks the barrier; with a smaller explicit count the others go on.
 *
 * @param fill the barrier's name and count
 * @param phase the phase's name and nodes
 * @param failed nodes of the phase that failed
 * @param consequences nodes that failed only because a barrier broke (named only if no other)
 * @returns the error to fail with, or undefined while the barrier can still fill
 */
export function unreachableBarrier(
  fill: BarrierFill,
  phase: { name: string; nodes: readonly string[] },
  failed: readonly string[],
  consequences: ReadonlySet<string> = new Set(),
): LockstepError | undefined {
  return barrierBreak(fill, phase, failedPhasePeers(phase, failed, { fallout: consequences }));
}

/** {@link unreachableBarrier} over the failed peers core sorted out. */
function barrierBreak(fill: BarrierFill, phase: { name: string; nodes: readonly string[] }, peers: FailedPhasePeers): LockstepError | undefined {
  const gone = peers.failed;
  if (gone.length === 0) return undefined;
  const alive = phase.nodes.length - gone.length;
  if (fill.count <= alive) return undefined;
  // Name the nodes that failed for their own reasons, not those a broken barrier failed.
  const named = peers.causes;
  return new LockstepError(
    ErrorCodes.BARRIER_BROKEN,
    `barrier "${fill.name}" cannot be reached: ${named.length === 1 ? 'node' : 'nodes'} ${named.join(', ')} failed in phase "${phase.name}" ` +
      `(it waits for ${fill.count}, only ${alive} of the phase's ${phase.nodes.length} nodes can still arrive)`,
  );
}

/**
 * Aborts a wait as soon as the barrier can no longer fill: checks the nodes that already failed
 * in the phase, then listens for new failures.
 *
 * @param fill the barrier's name and count
 * @param context the step context (its phase and signal)
 * @returns a signal that aborts on the step's own signal or with the breaking error, and a
 *   disposable that stops listening
 */
export function watchFailedPeers(fill: BarrierFill, context: StepContext): PhasePeerWatch {
  return watchPhasePeers(context, (peers) => barrierBreak(fill, context.phase, peers));
}
