import { randomUUID } from 'node:crypto';
import type { RunCoordinator } from '../coordinator/run-coordinator.js';
import { disposeAll } from '../disposable.js';
import type { Event } from '../event.js';
import type { NodeSpec, Playbook } from '../playbook/model.js';
import { selectNodes } from '../playbook/select-nodes.js';
import type { RunSummary } from './events.js';
import { openNodeSession, type NodeSession } from './node-session.js';
import { startPhase } from './phase-runner.js';
import { normalizeRunOptions, type RunOptions } from './run-options.js';
import { describeError, RunState, type NodeFinished, type StepFinished } from './run-state.js';
import { Limiter } from './schedule.js';
import { createStepNode } from './step-context.js';

/** How a run ended. */
export interface RunResult {
  /** `ok`: every node got through; `failed`: a node failed or the run was aborted; `interrupted`: Ctrl-C. */
  status: 'ok' | 'failed' | 'interrupted';
  /** 0 ok, 1 failed, 130 interrupted (as a shell reports SIGINT). */
  exitCode: 0 | 1 | 130;
  summary: RunSummary;
  runId: string;
  /** Why the run stopped early (max-fail-percentage, `run.abort()`, Ctrl-C), when it did. */
  error?: { code: string; message: string };
}

/**
 * One run of a playbook, with events to watch it besides the reporter. Most callers use
 * {@link runPlaybook}.
 *
 * @example
 * const run = new PlaybookRun(playbook, { host, reporter });
 * run.onDidFinishStep((e) => e.status === 'failed' && console.error(e.step.node, e.error?.message));
 * const result = await run.start();
 */
export class PlaybookRun {
  readonly #playbook: Playbook;
  readonly #state: RunState;
  readonly #selected: NodeSpec[];
  #started = false;

  /** Fires after every step on every node, with its status. */
  readonly onDidFinishStep: Event<StepFinished>;
  /** Fires when a node finished a phase (ok, failed or cancelled). */
  readonly onDidFinishNode: Event<NodeFinished>;

  /**
   * @param playbook a loaded playbook (see `loadPlaybook`)
   * @param options plugin host, reporter, forks, limit, dry run, interrupt signal
   * @throws {TypeError} for invalid options (see {@link RunOptions})
   * @throws {LockstepError} `NODE_UNKNOWN` when `limit` names no node or group
   */
  constructor(playbook: Playbook, options: RunOptions) {
    const normalized = normalizeRunOptions(options);
    this.#playbook = playbook;
    // An unknown --limit name throws here, before anything starts (NODE_UNKNOWN).
    this.#selected = normalized.limit ? selectNodes(playbook, normalized.limit) : [...playbook.nodes];
    this.#state = new RunState(randomUUID(), playbook, normalized, this.#selected.map((node) => node.name));
    this.onDidFinishStep = this.#state.stepFinished.event;
    this.onDidFinishNode = this.#state.nodeFinished.event;
  }

  /** The run's id, also in every step's `LOCKSTEP_RUN_ID`. */
  get runId(): string {
    return this.#state.runId;
  }

  /**
   * Runs the playbook: phases in order, nodes concurrently within `forks`, steps in order per
   * node. Emits every event to the reporter, then calls its `finish()`. Everything acquired is
   * released at the end, on failure and on interrupt: running steps are aborted first, then
   * `context.run.subscriptions` and the plugins' subscriptions are disposed.
   *
   * @returns the status, exit code and per-node summary
   * @throws {Error} when called twice
   */
  async start(): Promise<RunResult> {
    if (this.#started) throw new Error('a PlaybookRun can only be started once');
    this.#started = true;
    const state = this.#state;
    const { options } = state;
    const playbook = this.#playbook;
    const selected = this.#selected;
    const nodes = new Map(selected.map((node) => [node.name, node]));

    const onInterrupt = () => state.interrupt();
    if (options.signal?.aborted) state.interrupt();
    else options.signal?.addEventListener('abort', onInterrupt, { once: true });

    state.emit({
      type: 'run:start',
      runId: state.runId,
      playbook: playbook.file,
      name: playbook.name,
      nodes: selected.map((node) => node.name),
      phases: playbook.phases.map((phase) => phase.name),
      dryRun: options.dryRun,
    });

    let coordinator: RunCoordinator | undefined;
    const warnings: unknown[] = [];
    try {
      if (!options.dryRun && !state.signal.aborted) {
        const { startRunCoordinator } = await import('../coordinator/run-coordinator.js');
        coordinator = await startRunCoordinator(playbook.coordinator ? { backend: playbook.coordinator } : {});
      }
      const openSession = coordinator ? this.#sessionOpener(coordinator) : undefined;
      const limiter = new Limiter(options.forks);
      // When each node is through every phase it was scheduled in so far.
      const ready = new Map<string, Promise<void>>();
      const phases: Promise<void>[] = [];
      for (const [index, phase] of playbook.phases.entries()) {
        if (state.stopped) break;
        const run = startPhase(phase, index, { state, nodes, ready, limiter, ...(openSession ? { openSession } : {}) });
        phases.push(run.done);
        for (const [name, finished] of run.finished) ready.set(name, finished);
        // A linear phase ends when all its nodes are through; after a free one, each node goes on
        // alone. Nodes outside this phase may still be in an earlier free phase: `ready` says when.
        if (phase.strategy !== 'free') await run.done;
      }
      await Promise.all(phases);
    } catch (error) {
      // Could not start the coordinator, or a bug: the run fails, but cleanup still happens.
      state.emit({ type: 'warning', message: describeError(error).message });
      state.abort(error as Error);
    } finally {
      options.signal?.removeEventListener('abort', onInterrupt);
      warnings.push(...(await disposeAll(state.subscriptions)));
      warnings.push(...(await options.host.deactivateAll()));
      await Promise.allSettled([...state.sessions.values()].map(async (session) => (await session).dispose()));
      try {
        await coordinator?.dispose();
      } catch (error) {
        warnings.push(error);
      }
    }
    for (const warning of warnings) state.emit({ type: 'warning', message: describeError(warning).message });

    const summary = state.summary();
    const status = state.interrupted ? 'interrupted' : state.stopped || state.failedNodes.size > 0 ? 'failed' : 'ok';
    state.emit({ type: 'run:end', status, durationMs: Date.now() - state.started, summary });
    await options.reporter.finish();
    const reason = state.reason ? describeError(state.reason) : undefined;
    return {
      status,
      exitCode: status === 'ok' ? 0 : status === 'failed' ? 1 : 130,
      summary,
      runId: state.runId,
      ...(reason ? { error: reason } : {}),
    };
  }

  #sessionOpener(coordinator: RunCoordinator): (node: NodeSpec) => Promise<NodeSession> {
    const state = this.#state;
    return (node) => {
      let session = state.sessions.get(node.name);
      if (!session) {
        session = openNodeSession(node, { runId: state.runId, coordinator, baseDir: this.#playbook.dir, signal: state.signal }).then((opened) => {
          state.stepNodes.set(node.name, createStepNode(opened, opened.env, undefined));
          return opened;
        });
        // A node that cannot connect is reported by its phase; keep the rejection handled here.
        session.catch(() => {});
        state.sessions.set(node.name, session);
      }
      return session;
    };
  }
}

/**
 * Runs a playbook on its nodes and reports every event to `options.reporter`.
 *
 * @param playbook a loaded playbook (see `loadPlaybook`)
 * @param options plugin host, reporter, `forks` (default 10), `limit`, `dryRun`, interrupt `signal`
 * @returns status and exit code: 0 ok, 1 a node failed or the run was aborted, 130 interrupted
 * @throws {TypeError} for invalid options
 * @throws {LockstepError} `NODE_UNKNOWN` when `limit` names no node or group
 * @example
 * const host = await PluginHost.discover({ cwd, dirs: playbook.plugins });
 * const result = await runPlaybook(playbook, { host, reporter, signal: controller.signal });
 * process.exitCode = result.exitCode;
 */
export function runPlaybook(playbook: Playbook, options: RunOptions): Promise<RunResult> {
  return new PlaybookRun(playbook, options).start();
}
