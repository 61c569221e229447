import type { Reporter, RunEvent } from '@lockstep/core';

/** A reporter that keeps every event, for assertions. */
export interface RecordingReporter extends Reporter {
  readonly events: RunEvent[];
  /** True once the runner called `finish()`. */
  readonly finished: boolean;
}

/**
 * Makes a reporter that records the run's events in order.
 *
 * @returns the reporter; read `events` after the run
 */
export function createRecordingReporter(): RecordingReporter {
  const events: RunEvent[] = [];
  let finished = false;
  return {
    events,
    get finished() {
      return finished;
    },
    handle: (event) => void events.push(event),
    finish: async () => {
      finished = true;
    },
  };
}

/**
 * The output lines of a run, in order: every `step:output` event, or those of one node.
 *
 * @param events the run's events
 * @param node only this node's lines
 * @returns the lines
 */
export function outputLines(events: readonly RunEvent[], node?: string): string[] {
  return events.flatMap((event) => (event.type === 'step:output' && (node === undefined || event.step.node === node) ? [event.line] : []));
}
