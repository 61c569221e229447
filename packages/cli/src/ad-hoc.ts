import { randomUUID } from 'node:crypto';
import type { NodeSpec, Reporter, RunEvent, RunSummary, Status, StepRef } from '@lockstep/core';

/** What {@link runAdHoc} runs, where, and who hears about it. */
export interface AdHocOptions {
  /** The shell command (`sh -c`). */
  command: string;
  nodes: NodeSpec[];
  /** The inventory or playbook the nodes came from, for the `run:start` event. */
  source: string;
  forks: number;
  reporter: Reporter;
  signal: AbortSignal;
}

const PHASE = 'exec';

/**
 * Runs one shell command on many nodes, at most `forks` at once, and reports it as a run of one
 * phase (`exec`) with one step per node, so `lockstep exec` shares the reporters (and `--json`
 * format) of `lockstep run`. Each node's transport is opened, used and disposed here.
 *
 * @param options the command, nodes, concurrency, reporter and abort signal
 * @returns the exit code: 0 all nodes exited 0, 1 any failed, 130 interrupted
 */
export async function runAdHoc(options: AdHocOptions): Promise<number> {
  const { createTransport, ErrorCodes, isLockstepError } = await import('@lockstep/core');
  const { reporter, signal, command } = options;
  const names = options.nodes.map((n) => n.name);
  const emit = (event: RunEvent) => reporter.handle(event);
  const started = Date.now();
  const summary: RunSummary = { nodes: [] };
  emit({ type: 'run:start', time: started, runId: randomUUID(), playbook: options.source, name: `exec: ${command}`, nodes: names, phases: [PHASE], dryRun: false });
  emit({ type: 'phase:start', time: Date.now(), phase: PHASE, index: 0, nodes: names });

  const runOne = async (node: NodeSpec): Promise<void> => {
    const step: StepRef = { phase: PHASE, node: node.name, index: 0, label: command, type: 'shell' };
    emit({ type: 'node:start', time: Date.now(), phase: PHASE, node: node.name });
    const stepStart = Date.now();
    let status: Status;
    let error: { code: string; message: string } | undefined;
    let exit: string | undefined;
    if (signal.aborted) {
      status = 'cancelled';
    } else {
      emit({ type: 'step:start', time: stepStart, step, attempt: 1 });
      const transport = createTransport(node);
      try {
        await transport.connect(signal);
        const result = await transport.exec(command, {
          signal,
          env: { LOCKSTEP_NODE: node.name },
          onLine: (stream, line) => emit({ type: 'step:output', time: Date.now(), step, stream, line }),
        });
        exit = result.signal ? `signal ${result.signal}` : `exit ${result.exitCode}`;
        status = result.exitCode === 0 ? 'ok' : signal.aborted ? 'cancelled' : 'failed';
        if (status === 'failed') error = { code: ErrorCodes.STEP_FAILED, message: `${exit}: ${command}` };
      } catch (caught) {
        status = signal.aborted ? 'cancelled' : 'failed';
        error = isLockstepError(caught)
          ? { code: caught.code, message: caught.message }
          : { code: ErrorCodes.STEP_FAILED, message: caught instanceof Error ? caught.message : String(caught) };
      } finally {
        await Promise.resolve(transport.dispose()).catch(() => undefined);
      }
      emit({ type: 'step:end', time: Date.now(), step, status, durationMs: Date.now() - stepStart, summary: exit, error });
    }
    emit({ type: 'node:end', time: Date.now(), phase: PHASE, node: node.name, status, error });
    summary.nodes.push({
      node: node.name,
      ok: status === 'ok' ? 1 : 0,
      failed: status === 'failed' ? 1 : 0,
      skipped: status === 'cancelled' ? 1 : 0,
      ignored: 0,
      status,
      error: error ? `${error.code} ${error.message}` : undefined,
    });
  };

  await pool(options.nodes, options.forks, runOne);
  // Report nodes in the order the user listed them, not the order they finished.
  summary.nodes.sort((a, b) => names.indexOf(a.node) - names.indexOf(b.node));
  const failedNodes = summary.nodes.filter((n) => n.status === 'failed').map((n) => n.node);
  const runStatus = signal.aborted ? 'interrupted' : failedNodes.length > 0 ? 'failed' : 'ok';
  emit({ type: 'phase:end', time: Date.now(), phase: PHASE, status: runStatus === 'ok' ? 'ok' : runStatus === 'failed' ? 'failed' : 'cancelled', failedNodes });
  emit({ type: 'run:end', time: Date.now(), status: runStatus, durationMs: Date.now() - started, summary });
  return runStatus === 'ok' ? 0 : runStatus === 'failed' ? 1 : 130;
}

/** Runs `work` on every item, at most `limit` at once (Ansible's forks). */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
