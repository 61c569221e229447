import { randomBytes } from 'node:crypto';
import type { ICompare, IRequestOp, ITxnResponse } from 'etcd3';
import type { EtcdKeySpace } from './etcd-convert.js';

/** What the guard needs of its backend. */
export interface TxnGuardHost {
  readonly keys: EtcdKeySpace;
  /** One attempt of a Txn RPC (no retry). */
  txnOnce(request: { compare: ICompare[]; success: IRequestOp[]; failure: IRequestOp[] }): Promise<ITxnResponse>;
  /** True when an error may be retried (unavailable member, leader change, timeout). */
  retryable(error: unknown): boolean;
  /** Runs `attempt` until it succeeds, retrying retryable errors with backoff until the request timeout. */
  retry<T>(what: string, attempt: () => Promise<T>): Promise<T>;
  /** The lease the guard keys live under (granted on first use, re-granted when lost). */
  guardLease(): Promise<string>;
  /** Called when etcd says a lease of a put was not found: re-grants the guard lease if it was that one. */
  leaseNotFound(error: unknown): Promise<'guard' | 'other'>;
}

interface Slot {
  key: string;
  /** The value this process last wrote to the slot key; undefined: the key does not exist. */
  expected: string | undefined;
}

/** The outcome of a guarded transaction. */
export interface GuardedResult {
  response: ITxnResponse;
  /** The request committed but its response was lost: `response` is rebuilt (revision only, no op results). */
  recovered: boolean;
}

/**
 * Exactly-once transactions over an unreliable connection. A write transaction whose answer is
 * lost (member killed, leader change, timeout) may or may not have been applied, and retrying it
 * blindly could apply it twice: a semaphore post counted twice. etcd's Go client retries such
 * writes only when the request provably never left; this guard goes further and finds out.
 *
 * Each guarded transaction also compares and writes a *slot* key of this process
 * (`<prefix>_txn/<process>/<n>`, under a lease of the process): success writes a fresh id
 * there. After a lost answer the guard reads the slot: our id means "applied"; otherwise it
 * *fences* the slot (moves it on with a compare), which makes the lost attempt fail its
 * compare forever should it still arrive, and then retries. One extra compare and put per
 * transaction, in the same RPC; as many slot keys as transactions in flight at once.
 */
export class EtcdTxnGuard {
  readonly #host: TxnGuardHost;
  readonly #process = randomBytes(6).toString('hex');
  readonly #free: Slot[] = [];
  #slots = 0;

  constructor(host: TxnGuardHost) {
    this.#host = host;
  }

  /** The prefix of this process's slot keys (deleted with its lease). */
  get slotPrefix(): string {
    return `_txn/${this.#process}/`;
  }

  /**
   * Runs a transaction exactly once.
   * @returns etcd's response with the guard's own compare and ops removed
   */
  async run(compare: ICompare[], success: IRequestOp[], failure: IRequestOp[]): Promise<GuardedResult> {
    const slot = this.#free.pop() ?? { key: `${this.slotPrefix}${this.#slots++}`, expected: undefined };
    try {
      return await this.#host.retry('transaction', () => this.#attempt(slot, compare, success, failure));
    } finally {
      this.#free.push(slot);
    }
  }

  async #attempt(slot: Slot, compare: ICompare[], success: IRequestOp[], failure: IRequestOp[]): Promise<GuardedResult> {
    const keys = this.#host.keys;
    for (;;) {
      const id = newId();
      const lease = await this.#host.guardLease();
      let response: ITxnResponse;
      try {
        response = await this.#host.txnOnce({
          compare: [...compare, this.#slotCompare(slot)],
          success: [...success, { request_put: { key: keys.key(slot.key), value: Buffer.from(id), lease } } as IRequestOp],
          failure: [...failure, { request_range: { key: keys.key(slot.key) } } as IRequestOp],
        });
      } catch (error) {
        if (isLeaseNotFound(error)) {
          if ((await this.#host.leaseNotFound(error)) === 'guard') {
            slot.expected = undefined;
            continue;
          }
          throw error;
        }
        if (!this.#host.retryable(error)) throw error;
        const committed = await this.#resolve(slot, id);
        if (committed !== undefined) return { response: recovered(committed), recovered: true };
        // Fenced: the lost attempt can no longer apply; go again (the caller's retry backs off).
        throw error;
      }
      const responses = response.responses.slice(0, -1);
      if (response.succeeded) {
        slot.expected = id;
        return { response: { ...response, responses }, recovered: false };
      }
      const actual = response.responses.at(-1)?.response_range?.kvs[0]?.value.toString();
      if (actual === slot.expected) return { response: { ...response, responses }, recovered: false };
      // The slot was not what we left there: its lease expired meanwhile. Take it as it is.
      slot.expected = actual;
    }
  }

  /**
   * After a lost answer: was attempt `id` applied? Fences the slot if not.
   * @returns the revision it was applied at, or undefined when it was not (and now never will be)
   */
  async #resolve(slot: Slot, id: string): Promise<string | undefined> {
    const keys = this.#host.keys;
    return this.#host.retry('transaction recovery', async () => {
      for (;;) {
        const fence = newId();
        const lease = await this.#host.guardLease();
        let response: ITxnResponse;
        try {
          response = await this.#host.txnOnce({
            compare: [this.#slotCompare(slot)],
            success: [{ request_put: { key: keys.key(slot.key), value: Buffer.from(fence), lease } } as IRequestOp],
            failure: [{ request_range: { key: keys.key(slot.key) } } as IRequestOp],
          });
        } catch (error) {
          if (isLeaseNotFound(error) && (await this.#host.leaseNotFound(error)) === 'guard') {
            slot.expected = undefined;
            continue;
          }
          throw error;
        }
        if (response.succeeded) {
          slot.expected = fence;
          return undefined;
        }
        const kv = response.responses[0]?.response_range?.kvs[0];
        const actual = kv?.value.toString();
        if (actual === id) {
          slot.expected = id;
          return String(kv!.mod_revision);
        }
        // Neither ours nor expected: a fence of ours whose answer was lost, or the slot's lease
        // expired. Either way the attempt did not apply here; fence again from what is there.
        slot.expected = actual;
      }
    });
  }

  #slotCompare(slot: Slot): ICompare {
    const key = this.#host.keys.key(slot.key);
    return (
      slot.expected === undefined
        ? { key, target: 'Version', result: 'Equal', version: '0' }
        : { key, target: 'Value', result: 'Equal', value: Buffer.from(slot.expected) }
    ) as unknown as ICompare;
  }
}

function newId(): string {
  return randomBytes(8).toString('hex');
}

function recovered(revision: string): ITxnResponse {
  return { header: { revision } as ITxnResponse['header'], succeeded: true, responses: [] };
}

/** etcd's answer to a put naming a lease that does not exist. */
export function isLeaseNotFound(error: unknown): boolean {
  return String((error as { message?: unknown })?.message ?? '').includes('requested lease not found');
}
