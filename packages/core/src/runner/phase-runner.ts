import { ErrorCodes } from '../errors/codes.js';
import { LockstepError } from '../errors/lockstep-error.js';
import { EventEmitter } from '../event.js';
import type { NodeSpec, PhaseSpec } from '../playbook/model.js';
import { createTemplateScope } from '../playbook/template-scope.js';
import type { NodeSession } from './node-session.js';
import { describeError, type RunState } from './run-state.js';
import { type Limiter, serialBatches } from './schedule.js';
import type { PhaseView } from './step-context.js';
import { executeStep } from './step-execution.js';

/** A phase once started: when it is over, and when each of its nodes is through it. */
export interface PhaseRun {
  done: Promise<void>;
  /** Settles when the node finished this phase (never rejects). */
  finished: Map<string, Promise<void>>;
}

/** What {@link startPhase} needs besides the phase. */
export interface PhaseDeps {
  state: RunState;
  /** The nodes of the run (after `--limit`), by name. */
  nodes: ReadonlyMap<string, NodeSpec>;
  /** When each node is free to start this phase (it may still be in an earlier `free` phase). */
  ready: ReadonlyMap<string, Promise<void>>;
  limiter: Limiter;
  /** Opens (once) the session of a node; absent in a dry run. */
  openSession?: (node: NodeSpec) => Promise<NodeSession>;
}

/**
 * Starts a phase on its nodes: `serial` batches one after another, the nodes of a batch
 * concurrently within the run's `forks`, each node's steps in order. A node that fails leaves
 * the run and the others go on. When more than `max-fail-percentage` of the phase's nodes failed
 * (the loader's default is 0: any failure), the run stops: nodes already in the phase finish it,
 * but no further batch or phase starts. Absent (hand-built playbooks): no limit.
 *
 * @param phase the phase
 * @param index its position in the playbook
 * @param deps the run and the scheduling state
 * @returns the phase's completion, and each node's
 */
export function startPhase(phase: PhaseSpec, index: number, deps: PhaseDeps): PhaseRun {
  const { state } = deps;
  const names = phase.on.filter((name) => deps.nodes.has(name) && !state.failedNodes.has(name));
  names.forEach((name) => state.countPhase(name, false));
  state.emit({ type: 'phase:start', phase: phase.name, index, nodes: names });

  const failed: string[] = [];
  const onDidFailNode = new EventEmitter<string>();
  // Steps see the nodes that go through the phase together: every node of the phase, or with
  // `serial` the node's own batch, so a barrier's default count never waits for a later batch.
  const viewOf = (batch: readonly string[]): PhaseView => ({
    name: phase.name,
    nodes: batch,
    failedNodes: () => [...failed],
    onDidFailNode: onDidFailNode.event,
  });
  const timeout = new AbortController();
  const timer =
    phase.timeoutMs === undefined ? undefined : setTimeout(() => timeout.abort(new Error(`phase "${phase.name}" timed out`)), phase.timeoutMs);

  const nodeFailed = (name: string, error: Error) => {
    state.failNode(name, error);
    failed.push(name);
    onDidFailNode.fire(name);
    const max = phase.maxFailPercentage;
    const percent = (failed.length * 100) / names.length;
    if (max !== undefined && percent > max && !state.stopped) {
      const message = `phase "${phase.name}": ${failed.length} of ${names.length} nodes failed (${Math.round(percent)}%), more than max-fail-percentage ${max}%; stopping the run`;
      state.emit({ type: 'warning', message });
      state.stop(new LockstepError(ErrorCodes.MAX_FAIL_EXCEEDED, message));
    }
  };

  const runNode = async (node: NodeSpec, view: PhaseView): Promise<void> => {
    // Not started before the run stopped, or left the run in an earlier `free` phase.
    if (state.stopped || state.failedNodes.has(node.name)) return;
    state.emit({ type: 'node:start', phase: phase.name, node: node.name });
    const end = (status: 'ok' | 'failed' | 'cancelled', error?: Error) => {
      state.emit({ type: 'node:end', phase: phase.name, node: node.name, status, ...(error ? { error: describeError(error) } : {}) });
      state.nodeFinished.fire({ phase: phase.name, node: node.name, status, ...(error ? { error } : {}) });
    };
    let session: NodeSession | undefined;
    if (deps.openSession) {
      try {
        session = await deps.openSession(node);
      } catch (error) {
        // Interrupted while connecting: the node did not fail, the run was called off.
        if (state.signal.aborted) return end('cancelled', state.signal.reason as Error);
        nodeFailed(node.name, error as Error);
        return end('failed', error as Error);
      }
    }
    const scope = createTemplateScope(state.playbook, node, state.options.env);
    for (const [stepIndex, step] of phase.steps.entries()) {
      const result = await executeStep({ state, phase, view, phaseSignal: timeout.signal, node, session, step, index: stepIndex, scope });
      if (result.status === 'cancelled') return end('cancelled', result.error);
      if (result.status === 'failed') {
        nodeFailed(node.name, result.error!);
        return end('failed', result.error);
      }
    }
    state.countPhase(node.name, true);
    end('ok');
  };

  const finished = new Map<string, Promise<void>>();
  let previousBatch: Promise<unknown> = Promise.resolve();
  for (const batch of serialBatches(names, phase.serial)) {
    const gate = previousBatch;
    const view = viewOf(batch);
    const tasks = batch.map((name) => {
      const node = deps.nodes.get(name)!;
      const task = Promise.all([gate, deps.ready.get(name)])
        .then(() => deps.limiter.run(() => runNode(node, view)))
        .catch((error: unknown) => {
          // A bug, not a step failure (those are results): the node still leaves the run cleanly.
          const reason = error instanceof Error ? error : new Error(String(error));
          nodeFailed(name, reason);
          state.emit({ type: 'node:end', phase: phase.name, node: name, status: 'failed', error: describeError(reason) });
        });
      finished.set(name, task);
      return task;
    });
    previousBatch = Promise.all(tasks);
  }
  const done = Promise.all(finished.values()).then(() => {
    if (timer) clearTimeout(timer);
    onDidFailNode.dispose();
    const status = failed.length > 0 ? 'failed' : state.stopped ? 'cancelled' : 'ok';
    state.emit({ type: 'phase:end', phase: phase.name, status, failedNodes: [...failed] });
  });
  return { done, finished };
}
