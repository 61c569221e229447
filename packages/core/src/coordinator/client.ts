import type { Disposable } from '../disposable.js';
import type { Event } from '../event.js';

/** Options every coordinator wait takes. */
export interface WaitOptions {
  /** Give up after this long with a `COORDINATOR_TIMED_OUT` error. Absent: wait until the session ends. */
  timeoutMs?: number;
  /** Aborting withdraws the request. */
  signal?: AbortSignal;
}

/** A lock the session holds. Disposing it releases the lock. */
export interface LockHold extends Disposable {
  readonly resource: string;
  readonly mode: 'exclusive' | 'shared';
  /** Grows with every grant of this resource: a protected resource refuses writes carrying an older one. */
  readonly fence: number;
  release(): Promise<void>;
}

/** A message on a publish/subscribe channel. */
export interface ChannelMessage {
  channel: string;
  /** Session id of the publisher. */
  from: string;
  data: string;
}

/**
 * A client's view of the coordinator, bound to one session. Everything the session holds is
 * released when the session ends (close, disconnect, lease expiry), and its waits are dropped.
 * In a step, {@link StepContext.coordinator} is the node's session.
 */
export interface CoordinatorClient extends Disposable {
  readonly sessionId: string;
  /**
   * dissem's `sem NAME DELTA`. `delta < 0` waits until the value allows it, then subtracts;
   * `delta > 0` adds and wakes waiters in arrival order; `0` reads.
   * @param options.initial value used when this call creates the semaphore (default 0)
   * @returns the value after the operation
   * @throws {LockstepError} `COORDINATOR_TIMED_OUT` when the wait runs out
   */
  semaphore(name: string, delta: number, options?: WaitOptions & { initial?: number }): Promise<number>;
  /**
   * Waits until `count` participants arrived at this generation of the barrier, then all go on.
   * @returns the generation that fired
   * @throws {LockstepError} `BARRIER_BROKEN` on a count mismatch or when a participant left
   */
  barrier(name: string, count: number, options?: WaitOptions): Promise<{ generation: number }>;
  /**
   * Takes a lock. `capacity` > 1 makes a numeric resource (flom's `name[N]`).
   * `timeoutMs: 0` is a non-blocking try.
   * @throws {LockstepError} `RESOURCE_BUSY` when a try fails, `COORDINATOR_TIMED_OUT` when a wait runs out
   */
  lock(resource: string, options?: WaitOptions & { mode?: 'exclusive' | 'shared'; capacity?: number }): Promise<LockHold>;
  /** Publishes `data` to every subscriber of `channel`. */
  publish(channel: string, data: string): Promise<void>;
  /** Subscribes to a channel; dispose the result to unsubscribe. */
  subscribe(channel: string, listener: (message: ChannelMessage) => void): Promise<Disposable>;
  /** Fires when the session ends for a reason other than dispose (connection lost, lease expired). */
  readonly onDidEnd: Event<Error>;
}
