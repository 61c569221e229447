import type { Reporter } from '../events.js';
import { createJsonReporter } from './json-reporter.js';
import { createPlainReporter } from './plain-reporter.js';
import type { ReporterOptions } from './reporter-options.js';

/** The terminal outputs lockstep has: live (listr2), one line per event, or NDJSON. */
export type ReporterKind = 'interactive' | 'plain' | 'json';

/**
 * Makes the reporter that renders a run on a stream. `interactive` loads listr2 only now, so
 * commands that print plain lines or JSON never pay for it.
 *
 * @param kind `interactive` for a terminal, `plain` for logs, pipes and CI, `json` for `--json`
 * @param stream where the output goes (the CLI's stdout)
 * @param options colour, summary table, output tail, planned steps
 * @returns the reporter; pass it to `runPlaybook` and await its `finish()` after the run
 * @throws {TypeError} for an unknown kind or a bad option
 * @example
 * const reporter = await createReporter(stdout.isTTY && !env.CI ? 'interactive' : 'plain', stdout, { color: true });
 */
export async function createReporter(
  kind: ReporterKind,
  stream: NodeJS.WritableStream,
  options: ReporterOptions = {},
): Promise<Reporter> {
  switch (kind) {
    case 'json':
      return createJsonReporter(stream);
    case 'plain':
      return createPlainReporter(stream, options);
    case 'interactive': {
      const { createInteractiveReporter } = await import('./interactive-reporter.js');
      return createInteractiveReporter(stream, options);
    }
    default:
      throw new TypeError(`reporter kind must be "interactive", "plain" or "json", got ${JSON.stringify(kind)} (${typeof kind})`);
  }
}
