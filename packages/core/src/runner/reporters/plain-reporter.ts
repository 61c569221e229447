import { formatDuration } from '../../util/parse-duration.js';
import type { Reporter, RunEvent, StepRef } from '../events.js';
import { createPaint } from './paint.js';
import { normalizeReporterOptions, type ReporterOptions } from './reporter-options.js';
import { formatSummaryTable } from './summary-table.js';

/**
 * Renders events as one line each, for logs, pipes and CI (stdout not a TTY, or `CI` set):
 *
 * ```
 * [upload] web1: run ok (1.20s)
 * web1 | building…
 * ```
 *
 * Every line is written with one `write` call, so the lines of nodes running at once never
 * mix mid-line. After `run:end` comes the per-node summary table.
 *
 * @param stream where the lines go
 * @param options colour and summary settings
 * @returns a reporter
 */
export function createPlainReporter(stream: NodeJS.WritableStream, options: ReporterOptions = {}): Reporter {
  const opts = normalizeReporterOptions(options);
  const paint = createPaint(opts.color);
  const write = (line: string) => stream.write(`${line}\n`);
  const where = (step: StepRef) => `[${step.phase}] ${step.node}: ${step.label}`;
  return {
    handle(event: RunEvent) {
      switch (event.type) {
        case 'run:start': {
          const nodes = plural(event.nodes.length, 'node');
          const phases = plural(event.phases.length, 'phase');
          write(paint.bold(`${event.name} (${event.playbook}): ${nodes}, ${phases}${event.dryRun ? ', dry run' : ''}`));
          break;
        }
        case 'phase:start':
          write(paint.bold(`[${event.phase}] start on ${event.nodes.join(', ')}`));
          break;
        case 'node:start':
          write(`[${event.phase}] ${event.node}: start`);
          break;
        case 'step:start':
          write(`${where(event.step)} …${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`);
          break;
        case 'step:output':
          write(`${event.step.node} | ${event.line}`);
          break;
        case 'step:log':
          write(`${where(event.step)}: ${event.level}: ${event.message}`);
          break;
        case 'step:progress': {
          const percent = event.fraction === undefined ? '' : ` (${Math.round(event.fraction * 100)}%)`;
          write(paint.dim(`${where(event.step)}: ${event.message}${percent}`));
          break;
        }
        case 'step:plan':
          write(`${where(event.step)} would: ${event.description}`);
          break;
        case 'step:end': {
          const status = paint.status(event.status, event.status);
          const summary = event.summary ? ` - ${event.summary}` : '';
          const error = event.error ? `: ${event.error.code} ${firstLine(event.error.message)}` : '';
          write(`${where(event.step)} ${status} (${formatDuration(event.durationMs)})${summary}${error}`);
          break;
        }
        case 'node:end': {
          const error = event.error ? `: ${event.error.code} ${firstLine(event.error.message)}` : '';
          write(`[${event.phase}] ${event.node}: ${paint.status(event.status, event.status)}${error}`);
          break;
        }
        case 'phase:end': {
          const failed = event.failedNodes.length > 0 ? ` (failed: ${event.failedNodes.join(', ')})` : '';
          write(`[${event.phase}] ${paint.status(event.status, event.status)}${failed}`);
          break;
        }
        case 'warning':
          write(paint.warn(`warning: ${event.node ? `${event.node}: ` : ''}${event.message}`));
          break;
        case 'run:end': {
          const table = opts.summary ? formatSummaryTable(event.summary, { paint: paint.status }) : '';
          if (table) write(`\n${table}\n`);
          write(paint.bold(`run ${paint.status(event.status, event.status)} in ${formatDuration(event.durationMs)}`));
          break;
        }
      }
    },
    async finish() {},
  };
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Errors can carry a quoted stderr tail; the plain line keeps only the reason. */
function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end === -1 ? text : text.slice(0, end);
}
