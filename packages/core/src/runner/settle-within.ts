/**
 * Awaits `task`, but once `signal` aborts gives it only `graceMs` more to settle (a handler that
 * honours its signal kills its children and returns well within that), then rejects with the
 * signal's reason. A run must end on Ctrl-C even when a plugin ignores the signal.
 *
 * @param task the work, already started
 * @param signal the work's abort signal
 * @param graceMs how long to wait after the abort
 * @returns what the task returns
 */
export function settleWithin<T>(task: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => reject(signal.reason), graceMs);
    };
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
    };
    task.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
