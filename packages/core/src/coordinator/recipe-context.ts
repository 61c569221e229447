import type { Disposable } from '../disposable.js';
import type { CoordinatorBackend, WatchEvent } from './backend.js';

interface SharedWatch {
  listeners: Set<(events: readonly WatchEvent[]) => void>;
  ready: Promise<Disposable>;
  /** Set while the watch has no listener and waits to be closed. */
  linger?: NodeJS.Timeout;
}

/** How long a watch nobody listens to stays open, so a name used in a loop is not re-watched each time. */
const WATCH_LINGER_MS = 10_000;

/**
 * What the semaphore, barrier, lock and channel recipes share inside one coordinator process:
 * the backend, one watch per prefix however many local waiters need it, and a queue per name
 * that runs this process's read-modify-write steps on that name one at a time. The queue only
 * avoids pointless compare failures between local callers; correctness between processes (two
 * coordinators over one etcd) comes from the transactions' compares, never from the queue.
 */
export class RecipeContext {
  readonly backend: CoordinatorBackend;
  #watches = new Map<string, SharedWatch>();
  #queues = new Map<string, Promise<unknown>>();

  constructor(backend: CoordinatorBackend) {
    this.backend = backend;
  }

  /** Closes every watch (when the coordinator is disposed). */
  dispose(): void {
    for (const entry of this.#watches.values()) {
      clearTimeout(entry.linger);
      void entry.ready.then((w) => w.dispose());
    }
    this.#watches.clear();
  }

  /**
   * Runs `task` after every earlier task queued under `key` has settled.
   * @returns what `task` returns
   */
  serial<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.#queues.set(key, tail);
    void tail.then(() => {
      if (this.#queues.get(key) === tail) this.#queues.delete(key);
    });
    return next;
  }

  /**
   * Adds a listener to this process's watch of `prefix`, creating the watch on first use. The
   * returned promise settles once the watch is established, so a read made afterwards misses
   * no later change.
   * @returns a disposable that removes the listener (and the watch with its last listener)
   */
  async watch(prefix: string, listener: (events: readonly WatchEvent[]) => void): Promise<Disposable> {
    let shared = this.#watches.get(prefix);
    if (!shared) {
      const listeners = new Set<(events: readonly WatchEvent[]) => void>();
      const ready = this.backend.watch(prefix, (events) => {
        for (const l of [...listeners]) l(events);
      });
      shared = { listeners, ready };
      this.#watches.set(prefix, shared);
    }
    shared.listeners.add(listener);
    const entry = shared;
    await entry.ready;
    return {
      dispose: () => {
        if (!entry.listeners.delete(listener) || entry.listeners.size > 0) return;
        // One timer per watch, refreshed, rather than a new timer each time a name goes idle:
        // a lock taken and released in a loop makes its name idle on every iteration.
        if (entry.linger) {
          entry.linger.refresh();
          return;
        }
        entry.linger = setTimeout(() => {
          entry.linger = undefined;
          if (entry.listeners.size > 0) return;
          if (this.#watches.get(prefix) === entry) this.#watches.delete(prefix);
          void entry.ready.then((w) => w.dispose());
        }, WATCH_LINGER_MS);
        entry.linger.unref();
      },
    };
  }
}
