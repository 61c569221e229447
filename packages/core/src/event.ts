import type { Disposable } from './disposable.js';

/**
 * A subscribable event: call it with a listener, get a {@link Disposable} that unsubscribes.
 * Named `onDid…` / `onWill…` on the objects that own them, as in VS Code.
 *
 * @example
 * const sub = runner.onDidFinishStep((e) => console.log(e.node, e.status));
 * sub.dispose();
 */
export type Event<T> = (listener: (event: T) => void, disposables?: Disposable[]) => Disposable;

/**
 * Owns exactly one {@link Event}: consumers get {@link EventEmitter.event}, the owner calls
 * {@link EventEmitter.fire}. A listener that throws does not stop the others or the owner.
 */
export class EventEmitter<T> implements Disposable {
  #listeners = new Set<(event: T) => void>();

  /** The event that consumers subscribe to. */
  readonly event: Event<T> = (listener, disposables) => {
    this.#listeners.add(listener);
    const subscription: Disposable = { dispose: () => void this.#listeners.delete(listener) };
    disposables?.push(subscription);
    return subscription;
  };

  /** Calls every listener with `data`; listener errors are swallowed (they are the listener's bug). */
  fire(data: T): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(data);
      } catch {
        // A listener's failure must not break the producer.
      }
    }
  }

  /** Removes every listener. */
  dispose(): void {
    this.#listeners.clear();
  }
}
