import type { Disposable } from '../disposable.js';
import { ErrorCodes } from '../errors/codes.js';
import { isLockstepError, LockstepError } from '../errors/lockstep-error.js';
import { EventEmitter } from '../event.js';
import type { RunScope, StepNode } from '../plugins/api.js';
import type { Playbook } from '../playbook/model.js';
import type { RunEvent, RunSummary, Status, StepRef } from './events.js';
import type { NodeSession } from './node-session.js';
import type { NormalizedRunOptions } from './run-options.js';

/** What {@link PlaybookRun.onDidFinishStep} fires with. */
export interface StepFinished {
  step: StepRef;
  status: Status;
  durationMs: number;
  error?: Error;
}

/** What {@link PlaybookRun.onDidFinishNode} fires with: a node finished a phase. */
export interface NodeFinished {
  phase: string;
  node: string;
  status: Status;
  error?: Error;
}

/** Per-node step tallies, for the summary. */
interface Tally {
  ok: number;
  failed: number;
  skipped: number;
  ignored: number;
  /** Phases the node is in, and those it finished. */
  phases: number;
  finished: number;
  cancelled: boolean;
}

/**
 * Everything one run shares between its phases, nodes and steps: the run-wide abort, which
 * nodes failed, open sessions, tallies, events and disposables.
 */
export class RunState {
  readonly runId: string;
  readonly playbook: Playbook;
  readonly options: NormalizedRunOptions;
  readonly started = Date.now();
  /** Aborted on Ctrl-C, max-fail-percentage, or `run.abort()`; every step's signal follows it. */
  readonly #controller = new AbortController();
  /** Disposed, last first, when the run ends (`context.run.subscriptions`). */
  readonly subscriptions: Disposable[] = [];
  /** Nodes that left the run, with why. */
  readonly failedNodes = new Map<string, Error>();
  /** Node sessions, opened on a node's first phase. */
  readonly sessions = new Map<string, Promise<NodeSession>>();
  /** The connected nodes, as steps see them in `context.run.nodes`. */
  readonly stepNodes = new Map<string, StepNode>();
  readonly #tallies = new Map<string, Tally>();
  readonly stepFinished = new EventEmitter<StepFinished>();
  readonly nodeFinished = new EventEmitter<NodeFinished>();
  readonly scope: RunScope;
  #interrupted = false;
  #stopReason: Error | undefined;

  constructor(runId: string, playbook: Playbook, options: NormalizedRunOptions, nodes: readonly string[]) {
    this.runId = runId;
    this.playbook = playbook;
    this.options = options;
    for (const node of nodes) this.#tallies.set(node, { ok: 0, failed: 0, skipped: 0, ignored: 0, phases: 0, finished: 0, cancelled: false });
    this.scope = {
      id: runId,
      dryRun: options.dryRun,
      dir: playbook.dir,
      nodes: this.stepNodes,
      subscriptions: this.subscriptions,
      abort: (reason: Error) => this.abort(reason),
    };
  }

  /** Aborts when the run gives up; steps combine it with their own timeouts. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True once Ctrl-C (the caller's signal) interrupted the run. */
  get interrupted(): boolean {
    return this.#interrupted;
  }

  /**
   * Sends an event to the reporter. A reporter that throws does not stop the run.
   *
   * @param event the event, without its time
   */
  emit(event: DistributiveOmit<RunEvent, 'time'>): void {
    try {
      this.options.reporter.handle({ ...event, time: Date.now() } as RunEvent);
    } catch {
      // The reporter's bug must not take the nodes down with it.
    }
  }

  /**
   * Ends the run early: running steps are aborted and nothing new starts.
   *
   * @param reason why; reported in `run:end`
   */
  abort(reason: Error): void {
    if (this.#controller.signal.aborted) return;
    this.#controller.abort(reason);
  }

  /**
   * Stops the run from starting anything new (max-fail-percentage): steps already running go on
   * and their nodes finish the phase they are in, but no node starts another phase or batch.
   *
   * @param reason why; reported in `run:end` and the result
   */
  stop(reason: Error): void {
    this.#stopReason ??= reason;
  }

  /** True once the run stopped or was aborted: nothing new starts. */
  get stopped(): boolean {
    return this.#stopReason !== undefined || this.signal.aborted;
  }

  /** Why the run stopped or was aborted, when it was. */
  get reason(): Error | undefined {
    return this.#stopReason ?? (this.signal.aborted ? (this.signal.reason as Error) : undefined);
  }

  /** Interrupts the run (Ctrl-C). */
  interrupt(): void {
    this.#interrupted = true;
    this.abort(new LockstepError(ErrorCodes.RUN_INTERRUPTED, 'the run was interrupted'));
  }

  /**
   * Records a node's failure; it leaves the run.
   *
   * @param node the node
   * @param error why it failed
   */
  failNode(node: string, error: Error): void {
    if (!this.failedNodes.has(node)) this.failedNodes.set(node, error);
  }

  /** Counts a finished step for the node's summary. */
  countStep(node: string, status: Status): void {
    const tally = this.#tallies.get(node);
    if (!tally) return;
    if (status === 'ok') tally.ok++;
    else if (status === 'failed') tally.failed++;
    else if (status === 'skipped') tally.skipped++;
    else if (status === 'ignored') tally.ignored++;
    else tally.cancelled = true;
  }

  /** Counts a phase the node is part of (`finished` when it got through it). */
  countPhase(node: string, finished: boolean): void {
    const tally = this.#tallies.get(node);
    if (!tally) return;
    if (finished) tally.finished++;
    else tally.phases++;
  }

  /** Per-node results at the end of the run. */
  summary(): RunSummary {
    return {
      nodes: [...this.#tallies].map(([node, tally]) => {
        const error = this.failedNodes.get(node);
        let status: Status = 'ok';
        if (error) status = 'failed';
        else if (tally.cancelled || tally.finished < tally.phases) status = this.stopped ? 'cancelled' : 'skipped';
        else if (tally.phases === 0) status = 'skipped';
        return {
          node,
          ok: tally.ok,
          failed: tally.failed,
          skipped: tally.skipped,
          ignored: tally.ignored,
          status,
          ...(error ? { error: describeError(error).message } : {}),
        };
      }),
    };
  }
}

/** `Omit` that keeps a union a union. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The `{code, message}` form events carry. Errors that are not lockstep's get the generic
 * step-failed code.
 *
 * @param error anything thrown
 * @returns code and message
 */
export function describeError(error: unknown): { code: string; message: string } {
  if (isLockstepError(error)) return { code: error.code, message: error.message };
  return { code: ErrorCodes.STEP_FAILED, message: error instanceof Error ? error.message : String(error) };
}
