import type { Reporter, RunEvent } from '../events.js';

/**
 * Writes each event as one line of JSON (NDJSON), for `--json`: the same data the other
 * reporters render, for scripts and CI to parse line by line.
 *
 * @param stream where the lines go (the CLI's stdout)
 * @returns a reporter
 */
export function createJsonReporter(stream: NodeJS.WritableStream): Reporter {
  return {
    handle(event: RunEvent) {
      stream.write(`${JSON.stringify(event)}\n`);
    },
    async finish() {},
  };
}
