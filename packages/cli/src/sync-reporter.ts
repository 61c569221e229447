import type { Reporter, RunEvent } from '@lockstep/core';
import type { LockstepContext } from './context.js';

/**
 * orgalorg's output: every output line whole, prefixed with its node (or, with `--json`, one
 * object `{node, stream, body}` per line); failures summarised node by node after all output.
 */
export class SyncReporter implements Reporter {
  readonly #context: LockstepContext;
  readonly #options: { json: boolean; quiet: boolean; verbose: boolean };
  readonly #failures = new Map<string, string[]>();

  /**
   * @param context where to write
   * @param options `json`, `quiet` (no prefixes), `verbose` (step summaries)
   */
  constructor(context: LockstepContext, options: { json: boolean; quiet: boolean; verbose: boolean }) {
    this.#context = context;
    this.#options = options;
  }

  /**
   * Writes one line, atomically (a single write), so lines never interleave.
   *
   * @param node the node it came from ('' for the run)
   * @param stream `stdout`, `stderr`, `error`, `warning`, `info` or `summary`
   * @param body the line
   * @param extra more fields for `--json`
   */
  line(node: string, stream: string, body: string, extra: Record<string, unknown> = {}): void {
    if (this.#options.json) {
      this.#context.stdout.write(`${JSON.stringify({ node, stream, body, ...extra })}\n`);
      return;
    }
    const target = stream === 'stdout' ? this.#context.stdout : this.#context.stderr;
    const prefix = this.#options.quiet || node === '' ? '' : `${node} `;
    const tag = stream === 'stdout' || stream === 'stderr' ? '' : `${stream}: `;
    target.write(body.split('\n').map((text) => `${prefix}${tag}${text}\n`).join(''));
  }

  /** Renders one run event. */
  handle(event: RunEvent): void {
    switch (event.type) {
      case 'step:output':
        this.line(event.step.node, event.stream, event.line);
        break;
      case 'step:log':
        if (event.level === 'warn' || event.level === 'error' || this.#options.verbose) this.line(event.step.node, event.level === 'warn' ? 'warning' : event.level, event.message);
        break;
      case 'warning':
        this.line(event.node ?? '', 'warning', event.message);
        break;
      case 'step:end':
        if (event.status === 'failed' && event.error) this.#fail(event.step.node, `${event.error.code} ${event.error.message}`);
        else if (event.status === 'ok' && this.#options.verbose && event.summary) this.line(event.step.node, 'info', `${event.step.label}: ${event.summary}`);
        break;
      case 'node:end':
        if (event.status === 'failed' && event.error && !this.#failures.has(event.node)) this.#fail(event.node, `${event.error.code} ${event.error.message}`);
        break;
      case 'run:end':
        this.#summary(event.status);
        break;
      default:
        break;
    }
  }

  /**
   * Prints why the run was aborted (a lost cluster lock, say) when no node's failure says it.
   *
   * @param result the run's status and error
   */
  runError(result: { status: 'ok' | 'failed' | 'interrupted'; error?: { code: string; message: string } }): void {
    const error = result.error;
    if (result.status !== 'failed' || !error) return;
    const text = `${error.code} ${error.message}`;
    if ([...this.#failures.values()].some((messages) => messages.includes(text))) return;
    if (this.#options.json) this.line('', 'error', error.message, { code: error.code });
    else this.#context.stderr.write(`run aborted: ${text}\n`);
  }

  /** Nothing buffered: every line is written as it comes. */
  async finish(): Promise<void> {}

  #fail(node: string, message: string): void {
    this.#failures.set(node, [...(this.#failures.get(node) ?? []), message]);
  }

  #summary(status: 'ok' | 'failed' | 'interrupted'): void {
    if (this.#failures.size === 0) return;
    if (!this.#options.json) this.#context.stderr.write(`\n${status === 'interrupted' ? 'interrupted; ' : ''}failed on ${this.#failures.size} node${this.#failures.size === 1 ? '' : 's'}:\n`);
    for (const [node, messages] of this.#failures) {
      for (const message of messages) {
        const code = message.slice(0, message.indexOf(' '));
        if (this.#options.json) this.line(node, 'error', message.slice(code.length + 1), { code });
        else this.#context.stderr.write(`  ${node}: ${message.replaceAll('\n', '\n    ')}\n`);
      }
    }
  }
}
