/**
 * Runs async tasks with at most `concurrency` at a time, first come first served. This is the
 * `forks` bound of a run. (Hand-written rather than p-limit: fifteen lines, and core keeps
 * its dependency list short.)
 */
export class Limiter {
  readonly #concurrency: number;
  readonly #queue: Array<() => void> = [];
  #active = 0;

  /** @param concurrency how many tasks may run at once (≥ 1) */
  constructor(concurrency: number) {
    this.#concurrency = concurrency;
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  /**
   * Runs `task` when a slot is free.
   *
   * @param task the work; its slot is freed when it settles
   * @returns what the task returns
   */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#concurrency) await new Promise<void>((resolve) => this.#queue.push(resolve));
    else this.#active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, so `active` never dips below what runs.
      const next = this.#queue.shift();
      if (next) next();
      else this.#active--;
    }
  }
}

/**
 * Splits a phase's nodes into `serial` batches, Ansible-style: a number of nodes, or a
 * percentage of them (rounded down, at least one). Absent or 0: one batch.
 *
 * @param nodes the phase's nodes in order
 * @param serial batch size or `NN%`
 * @returns the batches, in order
 * @throws {TypeError} for a `serial` that is neither a positive number nor a percentage
 */
export function serialBatches<T>(nodes: readonly T[], serial: number | string | undefined): T[][] {
  if (nodes.length === 0) return [];
  const size = batchSize(nodes.length, serial);
  const batches: T[][] = [];
  for (let start = 0; start < nodes.length; start += size) batches.push(nodes.slice(start, start + size));
  return batches;
}

function batchSize(count: number, serial: number | string | undefined): number {
  if (serial === undefined || serial === 0) return count;
  if (typeof serial === 'number') {
    if (!Number.isInteger(serial) || serial < 0) throw new TypeError(`serial: expected a positive integer or a percentage like "30%", got ${serial}`);
    return Math.min(serial, count);
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(serial);
  if (!match) {
    if (/^\s*\d+\s*$/.test(serial)) return Math.min(Number(serial), count) || count;
    throw new TypeError(`serial: expected a positive integer or a percentage like "30%", got "${serial}"`);
  }
  return Math.max(1, Math.floor((Number(match[1]) / 100) * count));
}
