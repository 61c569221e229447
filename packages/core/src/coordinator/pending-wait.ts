import { ErrorCodes } from '../errors/codes.js';
import { formatDuration } from '../util/parse-duration.js';
import { CoordinatorError } from './coordinator-error.js';
import type { WaitOptions } from './client.js';

/**
 * {@link WaitOptions} plus what the network server uses: a hook that receives the wait's cancel
 * function, so a `CANCEL` or a closed connection can withdraw it without an AbortController
 * (one costs more than the rest of a LOCK request together).
 */
export interface InternalWaitOptions extends WaitOptions {
  /** @internal called once with a function that cancels the wait */
  exposeCancel?: (cancel: (reason: Error) => void) => void;
}

/** What a session needs of a wait to cancel it when the session ends. */
export interface Cancellable {
  readonly promise: Promise<unknown>;
  cancel(reason: Error): Promise<void>;
}

/**
 * One request that waits in the coordinator: a semaphore down, a barrier arrival, a lock. It
 * settles exactly once: granted ({@link PendingWait.grant}), refused, or cancelled by its
 * timeout, its AbortSignal or the end of its session. Cancelling runs `withdraw`, which removes
 * the request's key from the backend so a later post or release is not consumed by it.
 */
export class PendingWait<T> implements Cancellable {
  readonly promise: Promise<T>;
  #resolve!: (value: T) => void;
  #reject!: (error: Error) => void;
  #settled = false;
  #timer: NodeJS.Timeout | undefined;
  #signal: AbortSignal | undefined;
  #onAbort = (): void => {
    const reason = this.#signal?.reason;
    void this.cancel(
      reason instanceof Error ? reason : new CoordinatorError(ErrorCodes.COORDINATOR_TIMED_OUT, `${this.what}: aborted`),
    );
  };
  #withdraw: ((reason: Error) => Promise<void>) | undefined;

  /**
   * @param what the request in words, for the timeout message (`semaphore "db" -1`)
   * @param options the caller's timeout and signal
   */
  constructor(
    readonly what: string,
    options: InternalWaitOptions,
  ) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A cancelled wait is reported to the caller; nobody may be listening yet.
    this.promise.catch(() => undefined);
    if (options.timeoutMs !== undefined) {
      const ms = options.timeoutMs;
      this.#timer = setTimeout(
        () => void this.cancel(new CoordinatorError(ErrorCodes.COORDINATOR_TIMED_OUT, `${what}: timed out after ${formatDuration(ms)}`)),
        ms,
      );
    }
    options.exposeCancel?.((reason) => void this.cancel(reason));
    if (options.signal) {
      this.#signal = options.signal;
      if (options.signal.aborted) queueMicrotask(this.#onAbort);
      else options.signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** True once granted, refused or cancelled. */
  get settled(): boolean {
    return this.#settled;
  }

  /** Sets what to undo when the wait is cancelled (delete the waiter key). Runs at most once. */
  onWithdraw(withdraw: (reason: Error) => Promise<void>): void {
    this.#withdraw = withdraw;
  }

  /**
   * Grants the request.
   * @returns false when the wait was already cancelled: the caller must give back what it took
   */
  grant(value: T): boolean {
    if (!this.#finish()) return false;
    this.#resolve(value);
    return true;
  }

  /** Refuses the request with an error (broken barrier, conflict); nothing is withdrawn. */
  refuse(error: Error): boolean {
    if (!this.#finish()) return false;
    this.#reject(error);
    return true;
  }

  /** Cancels the request: rejects with `reason`, then withdraws it from the backend. */
  async cancel(reason: Error): Promise<void> {
    if (!this.#finish()) return;
    this.#reject(reason);
    const withdraw = this.#withdraw;
    this.#withdraw = undefined;
    await withdraw?.(reason).catch(() => undefined);
  }

  #finish(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    return true;
  }
}
