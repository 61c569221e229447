import { ErrorCodes } from '../errors/codes.js';
import type { Disposable } from '../disposable.js';
import { CoordinatorError } from './coordinator-error.js';
import { coordinatorKeys as keys } from './keys.js';
import { PendingWait, type InternalWaitOptions } from './pending-wait.js';
import type { RecipeContext } from './recipe-context.js';
import type { SessionInfo } from './session-info.js';
import type { KeyValue } from './backend.js';

interface SemaphoreValue {
  value: number;
  /** Waiters enqueued, as last counted; lets an uncontended down skip reading the queue. */
  waiters: number;
}

interface LocalWaiter {
  wait: PendingWait<number>;
  need: number;
}

interface NameState {
  waiters: Map<string, LocalWaiter>;
  watch: Promise<Disposable>;
  evaluating: boolean;
  again: boolean;
}

/**
 * dissem's semaphores as a recipe over the backend. The value lives in `sem/<name>/v`; a down
 * that cannot go on at once puts a waiter key (with the session's lease) under `sem/<name>/w/`.
 * Waiters are served strictly in arrival order (create revision): the head is granted when the
 * value allows, then the next, and so on, so one post wakes every waiter it can pay for, and a
 * large down at the head is never starved by smaller ones behind it. A grant is one transaction:
 * "value unchanged since I read it" ⇒ subtract and delete the waiter key.
 */
export class Semaphores {
  #ctx: RecipeContext;
  #names = new Map<string, NameState>();

  constructor(ctx: RecipeContext) {
    this.#ctx = ctx;
  }

  /**
   * Reads a semaphore without creating it.
   * @returns its value and the number of queued downs (0 and 0 for an unknown name)
   */
  async info(name: string): Promise<{ value: number; waiting: number }> {
    const { kvs } = await this.#ctx.backend.range({ key: keys.semaphorePrefix(name), prefix: true });
    const valueKv = kvs.find((kv) => kv.key === keys.semaphoreValue(name));
    return { value: valueKv ? parseValue(valueKv).value : 0, waiting: kvs.length - (valueKv ? 1 : 0) };
  }

  /**
   * Applies `delta` to semaphore `name` for `session`.
   * @returns the value after the operation
   * @throws {CoordinatorError} `COORDINATOR_TIMED_OUT` when a down waits longer than its timeout
   */
  async apply(session: SessionInfo, name: string, delta: number, options: InternalWaitOptions & { initial?: number }): Promise<number> {
    const initial = options.initial ?? 0;
    if (delta >= 0) return this.#ctx.serial(`sem:${name}`, () => this.#add(name, delta, initial));
    const need = -delta;
    const fast = await this.#ctx.serial(`sem:${name}`, async () => {
      const { state } = await this.#read(name, initial);
      if (state.value >= need) return this.#tryTake(name, need);
      return undefined;
    });
    if (fast !== undefined) return fast;
    return this.#enqueue(session, name, need, initial, options);
  }

  async #add(name: string, delta: number, initial: number): Promise<number> {
    for (;;) {
      const { state, kv } = await this.#read(name, initial);
      if (delta === 0) return state.value;
      const next: SemaphoreValue = { value: state.value + delta, waiters: state.waiters };
      const result = await this.#ctx.backend.txn({
        compare: [{ key: keys.semaphoreValue(name), target: 'modRevision', op: '==', value: kv.modRevision }],
        success: [{ type: 'put', key: keys.semaphoreValue(name), value: JSON.stringify(next) }],
      });
      if (result.succeeded) return next.value;
    }
  }

  /** One attempt at an uncontended down; undefined when the value moved or does not allow it. */
  async #tryTake(name: string, need: number): Promise<number | undefined> {
    const { state, kv } = await this.#read(name, 0);
    if (state.value < need) return undefined;
    if (state.waiters !== 0) {
      // The count may be stale (a waiter's session ended and its key went with the lease):
      // only real waiter keys may keep this down from going first.
      const queued = await this.#ctx.backend.range({ key: keys.semaphoreWaiters(name), prefix: true, countOnly: true });
      if (queued.count !== 0) return undefined;
    }
    const next: SemaphoreValue = { value: state.value - need, waiters: 0 };
    const result = await this.#ctx.backend.txn({
      compare: [{ key: keys.semaphoreValue(name), target: 'modRevision', op: '==', value: kv.modRevision }],
      success: [{ type: 'put', key: keys.semaphoreValue(name), value: JSON.stringify(next) }],
    });
    return result.succeeded ? next.value : undefined;
  }

  async #enqueue(session: SessionInfo, name: string, need: number, initial: number, options: InternalWaitOptions): Promise<number> {
    const wait = new PendingWait<number>(`semaphore "${name}" -${need}`, options);
    if (options.timeoutMs === 0) {
      // A try that cannot go on at once: nothing was enqueued, nothing to withdraw.
      void wait.cancel(new CoordinatorError(ErrorCodes.COORDINATOR_TIMED_OUT, `semaphore "${name}" -${need}: would wait (timeout 0)`));
      return wait.promise;
    }
    if (!session.track(wait)) return wait.promise;
    const state = this.#state(name);
    const key = keys.semaphoreWaiter(name, session.id, session.nextRequestId());
    // Registered before any await, so the name's watch is not dropped as unused meanwhile.
    state.waiters.set(key, { wait, need });
    wait.onWithdraw(() => this.#withdraw(name, key));
    try {
      await state.watch;
      await this.#ctx.serial(`sem:${name}`, async () => {
        for (;;) {
          const { state: value, kv } = await this.#read(name, initial);
          const result = await this.#ctx.backend.txn({
            compare: [{ key: keys.semaphoreValue(name), target: 'modRevision', op: '==', value: kv.modRevision }],
            success: [
              { type: 'put', key: keys.semaphoreValue(name), value: JSON.stringify({ ...value, waiters: value.waiters + 1 }) },
              { type: 'put', key, value: JSON.stringify({ need }), lease: session.lease },
            ],
          });
          if (result.succeeded) return;
        }
      });
    } catch (error) {
      state.waiters.delete(key);
      this.#release(name);
      wait.refuse(error as Error);
      return wait.promise;
    }
    // A wait cancelled meanwhile has its delete queued behind the put, so the key is gone.
    if (!wait.settled) this.#schedule(name);
    return wait.promise;
  }

  async #withdraw(name: string, key: string): Promise<void> {
    this.#names.get(name)?.waiters.delete(key);
    await this.#ctx.serial(`sem:${name}`, () => this.#ctx.backend.txn({ compare: [], success: [{ type: 'delete', key }] }));
    // The withdrawn waiter may have been the head that held the others back.
    this.#schedule(name);
    this.#release(name);
  }

  #state(name: string): NameState {
    let state = this.#names.get(name);
    if (!state) {
      const created: NameState = { waiters: new Map(), watch: Promise.resolve({ dispose() {} }), evaluating: false, again: false };
      created.watch = this.#ctx.watch(keys.semaphorePrefix(name), () => this.#schedule(name));
      this.#names.set(name, (state = created));
    }
    return state;
  }

  /** Stops watching a name once this process has no waiter on it. */
  #release(name: string): void {
    const state = this.#names.get(name);
    if (!state || state.waiters.size > 0 || state.evaluating) return;
    this.#names.delete(name);
    void state.watch.then((w) => w.dispose());
  }

  /** Runs an evaluation of `name`'s queue; coalesces requests made while one runs. */
  #schedule(name: string): void {
    const state = this.#names.get(name);
    if (!state) return;
    if (state.evaluating) {
      state.again = true;
      return;
    }
    state.evaluating = true;
    void this.#ctx
      .serial(`sem:${name}`, async () => {
        try {
          do {
            state.again = false;
            await this.#evaluate(name, state);
          } while (state.again);
        } finally {
          // Cleared in the same turn as the last check of `again`, so no request falls in between.
          state.evaluating = false;
          this.#release(name);
        }
      })
      .catch(() => undefined);
  }

  /** Grants waiters from the head of the queue while the value allows and the head is ours. */
  async #evaluate(name: string, state: NameState): Promise<void> {
    const { kvs } = await this.#ctx.backend.range({ key: keys.semaphorePrefix(name), prefix: true });
    const valueKv = kvs.find((kv) => kv.key === keys.semaphoreValue(name));
    if (!valueKv) return;
    const waiters = kvs.filter((kv) => kv !== valueKv);
    let { value } = parseValue(valueKv);
    let modRevision = valueKv.modRevision;
    for (let i = 0; i < waiters.length; i++) {
      const head = waiters[i]!;
      const local = state.waiters.get(head.key);
      if (!local || local.wait.settled) return; // another process's waiter (or one being withdrawn) is first
      if (value < local.need) return;
      const next: SemaphoreValue = { value: value - local.need, waiters: waiters.length - i - 1 };
      const result = await this.#ctx.backend.txn({
        compare: [
          { key: valueKv.key, target: 'modRevision', op: '==', value: modRevision },
          { key: head.key, target: 'version', op: '>', value: 0 },
        ],
        success: [
          { type: 'put', key: valueKv.key, value: JSON.stringify(next) },
          { type: 'delete', key: head.key },
        ],
      });
      if (!result.succeeded) {
        state.again = true;
        return;
      }
      state.waiters.delete(head.key);
      value = next.value;
      modRevision = result.revision;
      if (!local.wait.grant(next.value)) {
        // Cancelled between our read and our write: give the units back to the others.
        value += local.need;
        const back = await this.#ctx.backend.txn({
          compare: [{ key: valueKv.key, target: 'modRevision', op: '==', value: modRevision }],
          success: [{ type: 'put', key: valueKv.key, value: JSON.stringify({ value, waiters: next.waiters }) }],
        });
        if (!back.succeeded) {
          await this.#add(name, local.need, 0);
          state.again = true;
          return;
        }
        modRevision = back.revision;
      }
    }
  }

  /** Reads the value, creating the semaphore with `initial` on first use. */
  async #read(name: string, initial: number): Promise<{ state: SemaphoreValue; kv: KeyValue }> {
    const key = keys.semaphoreValue(name);
    for (;;) {
      const { kvs } = await this.#ctx.backend.range({ key });
      const kv = kvs[0];
      if (kv) return { state: parseValue(kv), kv };
      const created: SemaphoreValue = { value: initial, waiters: 0 };
      const result = await this.#ctx.backend.txn({
        compare: [{ key, target: 'version', op: '==', value: 0 }],
        success: [{ type: 'put', key, value: JSON.stringify(created) }],
        failure: [{ type: 'range', key }],
      });
      if (result.succeeded) {
        return { state: created, kv: { key, value: JSON.stringify(created), createRevision: result.revision, modRevision: result.revision, version: 1 } };
      }
    }
  }
}

function parseValue(kv: KeyValue): SemaphoreValue {
  const parsed = JSON.parse(kv.value) as Partial<SemaphoreValue>;
  return { value: parsed.value ?? 0, waiters: parsed.waiters ?? 0 };
}
