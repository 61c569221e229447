import { afterEach } from 'vitest';
import { Coordinator, type CoordinatorOptions } from '../../src/coordinator/coordinator.js';
import type { CoordinatorSession } from '../../src/coordinator/coordinator-session.js';

/** A promise and whether it has settled yet: for "still waiting" assertions. */
export interface Tracked<T> {
  done: () => boolean;
  promise: Promise<T>;
}

/**
 * Wraps a promise so a test can ask whether it settled (either way) without awaiting it.
 *
 * @param promise the wait to watch
 * @returns the promise and `done()`
 */
export function track<T>(promise: Promise<T>): Tracked<T> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { done: () => done, promise };
}

/**
 * A barrier wait as a string: `ok <generation>`, or `<code> <message>` when it failed.
 *
 * @param promise the barrier wait
 * @returns the outcome
 */
export function outcome(promise: Promise<{ generation: number }>): Promise<string> {
  return promise.then(
    (r) => `ok ${r.generation}`,
    (e: { code?: string; message: string }) => `${e.code} ${e.message}`,
  );
}

/** Long enough for a change to reach every watcher of the in-memory backend. */
export const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

/**
 * Declares the coordinators of a test file on the in-memory backend: each test makes its own,
 * and every one is disposed after the test.
 *
 * @returns `coordinator(options)` and `setup(n, prefix)`, `n` sessions named `<prefix>1…<prefix>n`
 */
export function useCoordinators(): {
  coordinator(options?: CoordinatorOptions): Coordinator;
  setup(sessions: number, prefix?: string): Promise<CoordinatorSession[]>;
} {
  const coordinators: Coordinator[] = [];
  afterEach(async () => {
    for (const c of coordinators.splice(0)) await c.dispose();
  });
  const coordinator = (options?: CoordinatorOptions): Coordinator => {
    const c = new Coordinator(options);
    coordinators.push(c);
    return c;
  };
  return {
    coordinator,
    setup: (sessions, prefix = 'client') => {
      const c = coordinator();
      return Promise.all(Array.from({ length: sessions }, (_, i) => c.openSession({ name: `${prefix}${i + 1}` })));
    },
  };
}
