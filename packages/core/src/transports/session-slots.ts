/**
 * OpenSSH's MaxSessions default: how many session channels (commands) one connection may have
 * open at once. Commands over the limit wait for a free slot instead of failing to open.
 */
export const DEFAULT_MAX_SESSIONS = 10;

/** A counting semaphore for the session channels of one connection, first come first served. */
export class SessionSlots {
  readonly #max: number;
  #used = 0;
  readonly #waiting: Array<() => void> = [];

  /** @param max how many slots there are */
  constructor(max: number = DEFAULT_MAX_SESSIONS) {
    this.#max = max;
  }

  /**
   * Takes a slot, waiting for one if all are in use.
   *
   * @param signal abort to stop waiting
   * @returns a function that gives the slot back (safe to call twice)
   * @throws the signal's reason when aborted while waiting
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.#used < this.#max) {
      this.#used++;
    } else {
      await new Promise<void>((resolve, reject) => {
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          this.#waiting.splice(this.#waiting.indexOf(grant), 1);
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#waiting.push(grant);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes on without being freed
      else this.#used--;
    };
  }
}
