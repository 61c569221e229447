import { ErrorCodes, LockstepError } from '@lockstep/core';
import type { Disposable, RunScope, StepContext } from '@lockstep/core';

/**
 * Nodes of a run whose sync-protocol step this plugin failed because another node failed:
 * consequences, not causes, so messages name the others. Every node's step handler runs in the
 * runner's process, so a module-level map sees them all.
 */
const fallout = new WeakMap<RunScope, Set<string>>();

/**
 * Records that a node's step fails only because a peer failed.
 *
 * @param run the run
 * @param node the node whose step is failing
 */
export function markFallout(run: RunScope, node: string): void {
  let nodes = fallout.get(run);
  if (!nodes) fallout.set(run, (nodes = new Set()));
  nodes.add(node);
}

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
export function watchPhasePeers(
  context: StepContext,
  doing: () => string,
): { signal: AbortSignal; broken: () => LockstepError | undefined } & Disposable {
  const controller = new AbortController();
  let error: LockstepError | undefined;
  const check = (): void => {
    if (error) return;
    const gone = context.phase.failedNodes().filter((node) => node !== context.node.name && context.phase.nodes.includes(node));
    if (gone.length === 0) return;
    const consequences = fallout.get(context.run);
    const causes = gone.filter((node) => !consequences?.has(node));
    const named = causes.length > 0 ? causes : gone;
    error = new LockstepError(
      ErrorCodes.BARRIER_BROKEN,
      `sync-protocol ${doing()}: ${named.length === 1 ? 'node' : 'nodes'} ${named.join(', ')} failed in phase "${context.phase.name}", ` +
        `and every node of the phase takes part in the protocol`,
    );
    controller.abort(error);
  };
  const subscription = context.phase.onDidFailNode(check);
  check();
  return {
    signal: AbortSignal.any([context.signal, controller.signal]),
    // Checks again: another node's withdrawal may reach this node (as the coordinator's
    // BARRIER_BROKEN) before the failure event does, and the failure is the reason to report.
    broken: () => {
      check();
      return error;
    },
    dispose: () => subscription.dispose(),
  };
}
