import type { Disposable } from '../disposable.js';
import type { LockstepError } from '../errors/lockstep-error.js';
import type { RunScope, StepContext } from '../plugins/api.js';

/**
 * Nodes of a run whose step failed only because a peer failed (a broken barrier, a sync whose
 * peer left): consequences, not causes, so messages name the others. Every node's step handler
 * runs in the runner's process, so a module-level map sees every plugin's marks.
 */
const fallout = new WeakMap<RunScope, Set<string>>();

/** The failed peers of a phase, as a step that needs them sees them. */
export interface FailedPhasePeers {
  /** Nodes of the phase (with `serial`, of this batch) that failed, this node excepted. */
  readonly failed: readonly string[];
  /**
   * The nodes to name in a message: those of {@link FailedPhasePeers.failed} that failed for
   * their own reasons, or all of them when each one only failed as a consequence of another.
   */
  readonly causes: readonly string[];
}

/** A watch over the failures of a phase's nodes, from {@link watchPhasePeers}. */
export interface PhasePeerWatch extends Disposable {
  /** Aborts with the step's own signal, or with the error that a peer's failure broke the step. */
  readonly signal: AbortSignal;
  /**
   * Checks the phase again and returns the error that broke the step, if any. Check it when a
   * wait fails: another node's withdrawal (a coordinator `BARRIER_BROKEN`) may arrive before the
   * failure event, and the failure is the reason to report.
   *
   * @returns the error, or undefined while no failure breaks the step
   */
  broken(): LockstepError | undefined;
}

/**
 * Sorts failed nodes into the failed peers of a phase.
 *
 * @param phase the nodes of the phase (or batch)
 * @param failed nodes that failed; those outside the phase are ignored
 * @param options `self`: the node asking, never its own peer; `fallout`: nodes that failed only
 *   as a consequence of another (see {@link markPhaseFallout})
 * @returns the failed peers and the ones to name
 */
export function failedPhasePeers(
  phase: { readonly nodes: readonly string[] },
  failed: readonly string[],
  options: { self?: string; fallout?: ReadonlySet<string> } = {},
): FailedPhasePeers {
  const peers = failed.filter((node) => node !== options.self && phase.nodes.includes(node));
  const causes = peers.filter((node) => !options.fallout?.has(node));
  return { failed: peers, causes: causes.length > 0 ? causes : peers };
}

/**
 * Fails a step fast when a peer of its phase fails: for steps that wait for the other nodes of
 * the phase (barriers, protocols between them), which would otherwise wait until a timeout.
 * Checks the nodes that already failed in the phase, then each new failure; the first time
 * `breaks` returns an error, the watch's signal aborts with it.
 *
 * @param context the step context (its phase, node, run and signal)
 * @param breaks decides whether these failed peers break the step, and with which error; called
 *   only when at least one peer failed
 * @returns the watch; dispose it when the step ends
 * @example
 * const watch = watchPhasePeers(context, ({ causes }) =>
 *   new LockstepError(ErrorCodes.BARRIER_BROKEN, `node ${causes.join(', ')} failed in phase "${context.phase.name}"`));
 * try {
 *   await context.coordinator.barrier(name, context.phase.nodes.length, { signal: watch.signal });
 * } catch (error) {
 *   const reason = watch.broken() ?? error;
 *   if (reason !== error) markPhaseFallout(context);
 *   throw reason;
 * } finally {
 *   watch.dispose();
 * }
 */
export function watchPhasePeers(context: StepContext, breaks: (peers: FailedPhasePeers) => LockstepError | undefined): PhasePeerWatch {
  const controller = new AbortController();
  let error: LockstepError | undefined;
  const check = (): void => {
    if (error) return;
    const peers = failedPhasePeers(context.phase, context.phase.failedNodes(), { self: context.node.name, fallout: fallout.get(context.run) });
    if (peers.failed.length === 0) return;
    error = breaks(peers);
    if (error) controller.abort(error);
  };
  const subscription = context.phase.onDidFailNode(check);
  check();
  return {
    signal: AbortSignal.any([context.signal, controller.signal]),
    broken: () => {
      check();
      return error;
    },
    dispose: () => subscription.dispose(),
  };
}

/**
 * Records that this node's step fails only because a peer failed, so that the messages of the
 * other nodes name that peer rather than this node.
 *
 * @param context the failing step's context (its run and node)
 */
export function markPhaseFallout(context: Pick<StepContext, 'run' | 'node'>): void {
  let nodes = fallout.get(context.run);
  if (!nodes) fallout.set(context.run, (nodes = new Set()));
  nodes.add(context.node.name);
}
