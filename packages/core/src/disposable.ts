/**
 * Something that holds a resource and can let it go: a lock, a connection, a registration.
 *
 * The plugin API returns one from every `register…` call, and the runner disposes what a
 * plugin pushed onto {@link PluginContext.subscriptions} when the run ends, fails or is
 * interrupted.
 */
export interface Disposable {
  /** Releases the resource. May be async; the runner awaits it. Calling it twice is harmless. */
  dispose(): void | Promise<void>;
}

/**
 * Makes a {@link Disposable} from a callback. The callback runs at most once.
 *
 * @param callback what to do on dispose
 * @returns a disposable that calls `callback` on its first `dispose()`
 * @example
 * context.subscriptions.push(toDisposable(() => server.close()));
 */
export function toDisposable(callback: () => void | Promise<void>): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      return callback();
    },
  };
}

/**
 * Disposes every item, last first, awaiting each one. An error in one does not stop the
 * others; the errors are returned so the caller can report them.
 *
 * @param items disposables in the order they were acquired; emptied by this call
 * @returns the errors thrown by disposers, in the order they happened
 */
export async function disposeAll(items: Disposable[]): Promise<unknown[]> {
  const errors: unknown[] = [];
  while (items.length > 0) {
    const item = items.pop()!;
    try {
      await item.dispose();
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}
