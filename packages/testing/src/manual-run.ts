import { createTransport, disposeAll, EventEmitter } from '@lockstep/core';
import type { CoordinatorClient, Disposable, NodeSpec, RunScope, StepContext, StepNode, Transport } from '@lockstep/core';

/**
 * A run scope made by hand for testing a step handler directly, without the runner: real
 * transports to every node, step contexts built per phase. Use it when a test needs to call the
 * handler on several nodes itself (to abort one, fail one, or run two groups side by side);
 * `runStep` and `runPlaybook` cover the ordinary cases through the runner.
 */
export interface ManualRun {
  run: RunScope;
  transports: Map<string, Transport>;
  /** The error `run.abort()` was called with, if any. */
  aborted(): Error | undefined;
  /** Waits until run.abort() is called. */
  onAbort: Promise<Error>;
  logs: string[];
  /** One step context per node of a phase, each with its own abort controller. */
  contexts(phase: string, nodes?: string[]): Array<StepContext & { controller: AbortController }>;
  /** Disposes the run's subscriptions (as the runner does at the end) and the transports. */
  end(): Promise<void>;
}

let runCounter = 0;

/**
 * Connects to every node and builds a run scope as the runner would, for tests that call a step
 * handler on each node themselves.
 *
 * @param specs the nodes
 * @returns the run; call {@link ManualRun.end end()} in afterEach
 * @throws the transport's connection error when a node cannot be reached
 * @example
 * ```ts
 * const run = await startManualRun(cluster.nodes);
 * const results = await Promise.allSettled(run.contexts('upload').map((context) => step(args, context)));
 * await run.end();
 * ```
 */
export async function startManualRun(specs: readonly NodeSpec[]): Promise<ManualRun> {
  const transports = new Map<string, Transport>();
  for (const spec of specs) {
    const transport = createTransport(spec);
    await transport.connect();
    transports.set(spec.name, transport);
  }
  const logs: string[] = [];
  const runController = new AbortController();
  const subscriptions: Disposable[] = [];
  let abortError: Error | undefined;
  let resolveAbort!: (error: Error) => void;
  const onAbort = new Promise<Error>((resolve) => (resolveAbort = resolve));
  const nodes = new Map<string, StepNode>();
  for (const spec of specs) nodes.set(spec.name, stepNode(spec, transports.get(spec.name)!, {}));
  const run: RunScope = {
    id: `test-${process.pid}-${++runCounter}`,
    dryRun: false,
    nodes,
    subscriptions,
    abort(reason: Error) {
      if (abortError) return;
      abortError = reason;
      runController.abort(reason);
      resolveAbort(reason);
    },
  };
  const failed = new EventEmitter<string>();
  const failedNodes: string[] = [];
  return {
    run,
    transports,
    aborted: () => abortError,
    onAbort,
    logs,
    contexts(phase, only) {
      const names = only ?? specs.map((spec) => spec.name);
      return names.map((name) => {
        const controller = new AbortController();
        const signal = AbortSignal.any([controller.signal, runController.signal]);
        const log = (level: string) => (message: string) => logs.push(`${name} ${level} ${message}`);
        return {
          controller,
          node: nodes.get(name)!,
          phase: { name: phase, nodes: names, failedNodes: () => failedNodes, onDidFailNode: failed.event },
          coordinator: undefined as unknown as CoordinatorClient,
          signal,
          log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
          progress: { report: () => {} },
          vars: {},
          env: {},
          run,
        };
      });
    },
    async end() {
      await disposeAll(subscriptions);
      await Promise.all([...transports.values()].map((transport) => transport.dispose()));
    },
  };
}

function stepNode(spec: NodeSpec, transport: Transport, env: Record<string, string>): StepNode {
  return {
    name: spec.name,
    host: spec.host,
    spec,
    transport,
    exec: (command, options) => transport.exec(command, { ...options, env: { ...env, ...options?.env } }),
    spawn: (command, options) => transport.spawn(command, { ...options, env: { ...env, ...options?.env } }),
  };
}
