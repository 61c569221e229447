import type { Reporter, RunEvent } from '../events.js';

/**
 * Sends every event to several reporters, e.g. the terminal output and a JUnit file. A reporter
 * that throws does not keep the others from seeing the event; the first error is rethrown once
 * every reporter has had it.
 *
 * @param reporters the reporters, in the order they receive events
 * @returns one reporter that fans out
 * @example combineReporters(await createReporter('plain', stdout), createJunitReporter('junit.xml'))
 */
export function combineReporters(...reporters: Reporter[]): Reporter {
  return {
    handle(event: RunEvent) {
      let failure: { error: unknown } | undefined;
      for (const reporter of reporters) {
        try {
          reporter.handle(event);
        } catch (error) {
          failure ??= { error };
        }
      }
      if (failure) throw failure.error;
    },
    async finish() {
      const results = await Promise.allSettled(reporters.map((r) => r.finish()));
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (rejected) throw rejected.reason;
    },
  };
}
