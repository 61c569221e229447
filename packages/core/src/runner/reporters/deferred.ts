/** A promise with its resolve function, for state that events settle later. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  readonly settled: boolean;
}

/**
 * Makes a {@link Deferred} (Node 20 lacks `Promise.withResolvers`).
 *
 * @returns an unsettled deferred; resolving it twice keeps the first value
 */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  const result = {
    promise,
    settled: false,
    resolve(value: T) {
      if (result.settled) return;
      result.settled = true;
      resolve(value);
    },
  };
  return result;
}
