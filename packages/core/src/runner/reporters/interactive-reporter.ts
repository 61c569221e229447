import { Listr, ListrLogger, ProcessOutput, type ListrTask, type ListrTaskWrapper } from 'listr2';
import { formatDuration } from '../../util/parse-duration.js';
import type { Reporter, RunEvent, RunSummary } from '../events.js';
import { deferred, type Deferred } from './deferred.js';
import { createPaint } from './paint.js';
import { normalizeReporterOptions, type ReporterOptions } from './reporter-options.js';
import { formatSummaryTable } from './summary-table.js';

// listr2's wrapper type carries renderer generics we never vary.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Wrapper = ListrTaskWrapper<any, any, any>;
type StepEnd = Extract<RunEvent, { type: 'step:end' }>;
type NodeEnd = Extract<RunEvent, { type: 'node:end' }>;

interface StepState {
  label: string;
  started: Deferred<void>;
  ended: Deferred<StepEnd>;
  wrapper?: Wrapper;
  /** Output that came before listr started the task; flushed when it does. */
  pending: string[];
}

interface NodeState {
  started: Deferred<void>;
  ended: Deferred<NodeEnd | undefined>;
  wrapper?: Wrapper;
  steps: Map<number, StepState>;
}

/**
 * The live terminal view (listr2): phases, under each its nodes, under each node its steps, with
 * the last lines of a running step's output beneath it. At the end the per-node summary table.
 *
 * Events drive the tasks: each listr task waits for its start event and settles on its end
 * event, so listr only renders, while the runner decides what runs. Steps are listed ahead of
 * time when `options.plan` is given; otherwise each node's title shows its current step.
 *
 * @param stream a terminal (listr2 falls back to line output when stdout is not one)
 * @param options colour, tail length, summary and plan
 * @returns a reporter whose `finish()` resolves when the view is complete
 */
export function createInteractiveReporter(stream: NodeJS.WritableStream, options: ReporterOptions = {}): Reporter {
  const opts = normalizeReporterOptions(options);
  const paint = createPaint(opts.color);
  const phases = new Map<string, { started: Deferred<string[] | undefined> }>();
  const nodes = new Map<string, NodeState>();
  const runEnded = deferred<RunSummary | undefined>();
  let rendering: Promise<unknown> | undefined;
  let finished = false;
  let endLine = '';

  const phaseState = (phase: string) => {
    let state = phases.get(phase);
    if (!state) phases.set(phase, (state = { started: deferred() }));
    return state;
  };
  const nodeState = (phase: string, node: string) => {
    const key = `${phase}\0${node}`;
    let state = nodes.get(key);
    if (!state) nodes.set(key, (state = { started: deferred(), ended: deferred(), steps: new Map() }));
    return state;
  };
  const stepState = (phase: string, node: string, index: number, label: string) => {
    const steps = nodeState(phase, node).steps;
    let state = steps.get(index);
    if (!state) steps.set(index, (state = { label, started: deferred(), ended: deferred(), pending: [] }));
    return state;
  };
  const show = (step: StepState | undefined, node: NodeState, line: string) => {
    const target = step?.wrapper ?? (opts.plan ? undefined : node.wrapper);
    if (target) target.output = line;
    else step?.pending.push(line);
  };

  const stepTask = (phase: string, node: string, index: number, label: string): ListrTask => ({
    title: label,
    rendererOptions: { outputBar: opts.tailLines, persistentOutput: false },
    task: async (_ctx, task) => {
      const step = stepState(phase, node, index, label);
      step.wrapper = task;
      for (const line of step.pending.splice(0)) task.output = line;
      const owner = nodeState(phase, node);
      await Promise.race([step.started.promise, owner.ended.promise]);
      if (!step.started.settled) return task.skip(`${label} ${paint.dim('(not run)')}`);
      const end = await Promise.race([step.ended.promise, runEnded.promise.then(() => undefined)]);
      if (!end) return task.skip(`${label} ${paint.dim('(interrupted)')}`);
      settleStep(task, label, end);
    },
  });

  const settleStep = (task: Wrapper, label: string, end: StepEnd) => {
    const title = `${label} ${paint.dim(`(${formatDuration(end.durationMs)})`)}${end.summary ? ` ${end.summary}` : ''}`;
    switch (end.status) {
      case 'ok':
        task.title = title;
        return;
      case 'ignored':
        task.title = `${title} ${paint.status('ignored', 'failed, ignored')}`;
        return;
      case 'failed':
        throw new Error(end.error ? `${end.error.code} ${end.error.message}` : `${label} failed`);
      default:
        task.skip(`${title} ${paint.dim(`(${end.status})`)}`);
    }
  };

  const nodeTask = (phase: string, node: string): ListrTask => ({
    title: node,
    task: async (_ctx, task) => {
      const state = nodeState(phase, node);
      state.wrapper = task;
      await Promise.race([state.started.promise, state.ended.promise, runEnded.promise]);
      if (!state.started.settled && !state.ended.settled) return task.skip(`${node} ${paint.dim('(not run)')}`);
      const planned = opts.plan?.find((p) => p.name === phase)?.steps;
      if (planned) {
        return task.newListr(
          planned.map((label, index) => stepTask(phase, node, index, label)),
          { concurrent: false, exitOnError: false },
        );
      }
      const end = await Promise.race([state.ended.promise, runEnded.promise.then(() => undefined)]);
      if (end?.status === 'failed') throw new Error(`${node}: ${end.error ? `${end.error.code} ${end.error.message}` : 'failed'}`);
      task.title = `${node} ${paint.status(end?.status ?? 'cancelled', end?.status ?? 'cancelled')}`;
    },
  });

  const phaseTask = (phase: string): ListrTask => ({
    title: phase,
    task: async (_ctx, task) => {
      const started = await Promise.race([phaseState(phase).started.promise, runEnded.promise.then(() => undefined)]);
      if (!started) return task.skip(`${phase} ${paint.dim('(not run)')}`);
      return task.newListr(
        started.map((node) => nodeTask(phase, node)),
        { concurrent: true, exitOnError: false },
      );
    },
  });

  const start = (phaseNames: string[]) => {
    const logger = new ListrLogger({ useIcons: true, toStderr: [], processOutput: new ProcessOutput(stream as NodeJS.WriteStream, stream as NodeJS.WriteStream) });
    const listr = new Listr(phaseNames.map(phaseTask), {
      concurrent: false,
      exitOnError: false,
      // The CLI owns Ctrl-C: it aborts the run so disposables are released. listr2's own
      // handler would exit the process at once.
      registerSignalListeners: false,
      rendererOptions: { logger, collapseSubtasks: false, collapseErrors: false, collapseSkips: false, showErrorMessage: true },
      fallbackRendererOptions: { logger },
    });
    rendering = listr.run();
  };

  return {
    handle(event: RunEvent) {
      switch (event.type) {
        case 'run:start':
          start(event.phases);
          break;
        case 'phase:start':
          phaseState(event.phase).started.resolve(event.nodes);
          break;
        case 'node:start':
          nodeState(event.phase, event.node).started.resolve();
          break;
        case 'step:start': {
          const step = stepState(event.step.phase, event.step.node, event.step.index, event.step.label);
          step.started.resolve();
          const node = nodeState(event.step.phase, event.step.node);
          if (!opts.plan && node.wrapper) node.wrapper.title = `${event.step.node}: ${event.step.label}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
          else if (event.attempt > 1 && step.wrapper) step.wrapper.title = `${event.step.label} (attempt ${event.attempt})`;
          break;
        }
        case 'step:output':
        case 'step:log':
        case 'step:progress':
        case 'step:plan': {
          const { phase, node, index, label } = event.step;
          const line =
            event.type === 'step:output' ? event.line
            : event.type === 'step:log' ? `${event.level}: ${event.message}`
            : event.type === 'step:plan' ? `would: ${event.description}`
            : `${event.message}${event.fraction === undefined ? '' : ` (${Math.round(event.fraction * 100)}%)`}`;
          show(stepState(phase, node, index, label), nodeState(phase, node), line);
          break;
        }
        case 'step:end':
          stepState(event.step.phase, event.step.node, event.step.index, event.step.label).ended.resolve(event);
          break;
        case 'node:end': {
          const node = nodeState(event.phase, event.node);
          node.ended.resolve(event);
          if (opts.plan && event.status === 'failed' && event.error && node.wrapper) {
            node.wrapper.title = `${event.node} ${paint.status('failed', `${event.error.code} ${firstLine(event.error.message)}`)}`;
          }
          break;
        }
        case 'warning':
          // Printed after the view: writing now would tear the live rendering.
          endLine += `${paint.warn(`warning: ${event.node ? `${event.node}: ` : ''}${event.message}`)}\n`;
          break;
        case 'run:end': {
          for (const node of nodes.values()) node.ended.resolve(undefined);
          runEnded.resolve(event.summary);
          const table = opts.summary ? formatSummaryTable(event.summary, { paint: paint.status }) : '';
          endLine += `${table ? `\n${table}\n\n` : ''}${paint.bold(`run ${paint.status(event.status, event.status)} in ${formatDuration(event.durationMs)}`)}\n`;
          break;
        }
        default:
          break;
      }
    },
    async finish() {
      if (finished) return;
      finished = true;
      runEnded.resolve(undefined);
      for (const node of nodes.values()) node.ended.resolve(undefined);
      await rendering?.catch(() => undefined);
      stream.write(endLine);
    },
  };
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end === -1 ? text : text.slice(0, end);
}
