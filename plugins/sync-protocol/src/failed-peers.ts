import { ErrorCodes, LockstepError, watchPhasePeers } from '@lockstep/core';
import type { PhasePeerWatch, StepContext } from '@lockstep/core';

/**
 * Watches the other nodes of the phase: the protocol needs all of them (every tool was told
 * the full node list and may wait for each one's SYNC), so the first failure among them
 * aborts the returned signal with an error that names the node.
 *
 * @param context the step context (its phase, node and signal)
 * @param doing what was going on, for the message (`could not start`, `stopped the sync tool`)
 * @returns a signal that aborts on the step's own signal or on a peer's failure, the error of
 *   that failure if any, and a disposable that stops listening
 */
export function watchSyncPeers(context: StepContext, doing: () => string): PhasePeerWatch {
  return watchPhasePeers(
    context,
    ({ causes: named }) =>
      new LockstepError(
        ErrorCodes.BARRIER_BROKEN,
        `sync-protocol ${doing()}: ${named.length === 1 ? 'node' : 'nodes'} ${named.join(', ')} failed in phase "${context.phase.name}", ` +
          `and every node of the phase takes part in the protocol`,
      ),
  );
}
