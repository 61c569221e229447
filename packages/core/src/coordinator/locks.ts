import type { Disposable } from '../disposable.js';
import { ErrorCodes } from '../errors/codes.js';
import type { KeyValue } from './backend.js';
import type { LockHold } from './client.js';
import { CoordinatorError } from './coordinator-error.js';
import { coordinatorKeys as keys } from './keys.js';
import { PendingWait, type InternalWaitOptions } from './pending-wait.js';
import type { RecipeContext } from './recipe-context.js';
import type { SessionInfo } from './session-info.js';

/** Options of one lock request, normalized. */
export interface LockRequest {
  mode: 'exclusive' | 'shared';
  /** Holders allowed at once in exclusive mode (flom's `name[N]`); 1 for a plain lock. */
  capacity: number;
}

interface LockEntry {
  mode: 'exclusive' | 'shared';
  capacity: number;
  session: string;
  name: string;
}

interface LocalWaiter {
  wait: PendingWait<LockHold>;
  request: LockRequest;
  fence: number;
  session: SessionInfo;
  resource: string;
  /** A non-blocking try: refused at the first evaluation that does not grant it. */
  tryOnly: boolean;
}

interface NameState {
  waiters: Map<string, LocalWaiter>;
  pending: number;
  watch: Promise<Disposable>;
  evaluating: boolean;
  again: boolean;
}

/**
 * flom's locks as etcd's lock recipe: every request puts a key under `lock/<name>/` with the
 * session's lease, and requests are ordered by the keys' create revisions. An exclusive request
 * holds the lock when fewer than `capacity` keys precede it; a shared one when no exclusive
 * key precedes it. Because later requests always get higher revisions and earlier keys only
 * disappear, a grant never has to be written: once true it stays true. The key's create
 * revision is the fencing token, growing with every grant across the whole store.
 */
export class Locks {
  #ctx: RecipeContext;
  #names = new Map<string, NameState>();

  constructor(ctx: RecipeContext) {
    this.#ctx = ctx;
  }

  /**
   * Reads who holds and who waits for a resource, in the order the grant rule sees them.
   * @returns the holders (session name and fence) and the number waiting
   */
  async info(resource: string): Promise<{ holders: Array<{ name: string; session: string; mode: string; fence: number }>; waiting: number }> {
    const { kvs } = await this.#ctx.backend.range({ key: keys.lockPrefix(resource), prefix: true });
    const entries = kvs.map((kv) => ({ kv, entry: JSON.parse(kv.value) as LockEntry }));
    const capacity = entries[0]?.entry.capacity ?? 1;
    const holders: Array<{ name: string; session: string; mode: string; fence: number }> = [];
    let exclusiveBefore = 0;
    entries.forEach(({ kv, entry }, before) => {
      if (entry.mode === 'shared' ? exclusiveBefore === 0 : before < capacity) {
        holders.push({ name: entry.name, session: entry.session, mode: entry.mode, fence: kv.createRevision });
      }
      if (entry.mode === 'exclusive') exclusiveBefore++;
    });
    return { holders, waiting: entries.length - holders.length };
  }

  /**
   * Requests `resource` for `session`.
   * @returns the hold, once granted
   * @throws {CoordinatorError} `RESOURCE_BUSY` when a try (timeout 0) is not granted at once; `COORDINATOR_TIMED_OUT`; `LOCK_CAPACITY_MISMATCH`
   */
  async acquire(session: SessionInfo, resource: string, request: LockRequest, options: InternalWaitOptions): Promise<LockHold> {
    const tryOnly = options.timeoutMs === 0;
    const label = `lock "${resource}"${request.mode === 'shared' ? ' (shared)' : ''}`;
    const wait = new PendingWait<LockHold>(label, tryOnly ? { signal: options.signal, exposeCancel: options.exposeCancel } : options);
    if (!session.track(wait)) return wait.promise;
    const key = keys.lockWaiter(resource, session.id, session.nextRequestId());
    const entry: LockEntry = { mode: request.mode, capacity: request.capacity, session: session.id, name: session.name };
    wait.onWithdraw(() => this.#delete(resource, key));
    // One transaction puts the request and reads the queue it joined. Most requests find the
    // resource free and are granted from that read: no watch, no second read, one backend round
    // trip. The others wait in #queue.
    let fence: number;
    let queue: KeyValue[];
    try {
      const result = await this.#ctx.backend.txn({
        compare: [],
        success: [
          { type: 'put', key, value: JSON.stringify(entry), lease: session.lease },
          { type: 'range', key: keys.lockPrefix(resource), prefix: true },
        ],
      });
      const [put, range] = result.responses;
      fence = put?.type === 'put' ? put.createRevision : result.revision;
      queue = range?.type === 'range' ? range.kvs : [];
    } catch (error) {
      wait.refuse(error as Error);
      return wait.promise;
    }
    const waiter: LocalWaiter = { wait, request, fence, session, resource, tryOnly };
    if (wait.settled) await this.#delete(resource, key);
    else if (!grantedNow(queue, key, request)) await this.#queue(waiter, key);
    else if (!wait.grant(this.#hold(waiter, key))) await this.#delete(resource, key);
    return wait.promise;
  }

  /**
   * A request that was not granted from its own transaction's read (or whose capacity
   * disagrees with the holders'): it waits for deletes under the resource's prefix, and each
   * delete re-reads the queue (#evaluate), which also refuses tries and capacity mismatches.
   */
  async #queue(waiter: LocalWaiter, key: string): Promise<void> {
    const ns = this.#state(waiter.resource);
    ns.pending++;
    try {
      // The watch may have been made after the transaction: the evaluation scheduled below reads
      // the queue again once it exists, so a delete in between is not missed.
      await ns.watch;
      if (waiter.wait.settled) {
        await this.#delete(waiter.resource, key);
      } else {
        ns.waiters.set(key, waiter);
        this.#schedule(waiter.resource);
      }
    } catch (error) {
      waiter.wait.refuse(error as Error);
    } finally {
      ns.pending--;
      this.#release(waiter.resource);
    }
  }

  async #delete(resource: string, key: string): Promise<void> {
    this.#names.get(resource)?.waiters.delete(key);
    await this.#ctx.backend.txn({ compare: [], success: [{ type: 'delete', key }] });
    this.#release(resource);
  }

  #state(resource: string): NameState {
    let ns = this.#names.get(resource);
    if (!ns) {
      const created: NameState = { waiters: new Map(), pending: 0, watch: Promise.resolve({ dispose() {} }), evaluating: false, again: false };
      created.watch = this.#ctx.watch(keys.lockPrefix(resource), (events) => {
        if (events.some((e) => e.type === 'delete')) this.#schedule(resource);
      });
      this.#names.set(resource, (ns = created));
    }
    return ns;
  }

  #release(resource: string): void {
    const ns = this.#names.get(resource);
    if (!ns || ns.waiters.size > 0 || ns.pending > 0 || ns.evaluating) return;
    this.#names.delete(resource);
    void ns.watch.then((w) => w.dispose());
  }

  #schedule(resource: string): void {
    const ns = this.#names.get(resource);
    if (!ns) return;
    if (ns.evaluating) {
      ns.again = true;
      return;
    }
    ns.evaluating = true;
    void (async () => {
      try {
        do {
          ns.again = false;
          await this.#evaluate(resource, ns);
        } while (ns.again);
      } catch {
        // A failed read is retried by the next change on the resource.
      } finally {
        // Cleared in the same turn as the last check of `again`, so no request falls in between.
        ns.evaluating = false;
        this.#release(resource);
      }
    })();
  }

  async #evaluate(resource: string, ns: NameState): Promise<void> {
    if (ns.waiters.size === 0) return;
    const { kvs } = await this.#ctx.backend.range({ key: keys.lockPrefix(resource), prefix: true });
    const entries = kvs.map((kv) => ({ kv, entry: JSON.parse(kv.value) as LockEntry }));
    const capacity = entries[0]?.entry.capacity ?? 1;
    let before = 0;
    let exclusiveBefore = 0;
    const granted: KeyValue[] = [];
    for (const { kv, entry } of entries) {
      const ok = entry.mode === 'shared' ? exclusiveBefore === 0 : before < capacity;
      if (ok) granted.push(kv);
      const local = ns.waiters.get(kv.key);
      if (local && !local.wait.settled) {
        if (local.request.capacity !== capacity) {
          ns.waiters.delete(kv.key);
          local.wait.refuse(
            new CoordinatorError(
              ErrorCodes.LOCK_CAPACITY_MISMATCH,
              `lock "${resource}": requested with capacity ${local.request.capacity}, but its holders use capacity ${capacity}`,
            ),
          );
          await this.#delete(resource, kv.key);
          ns.again = true;
          return;
        }
        if (ok) {
          ns.waiters.delete(kv.key);
          if (!local.wait.grant(this.#hold(local, kv.key))) await this.#delete(resource, kv.key);
        } else if (local.tryOnly) {
          ns.waiters.delete(kv.key);
          local.wait.refuse(
            new CoordinatorError(ErrorCodes.RESOURCE_BUSY, `lock "${resource}" is busy: held by ${holders(entries.filter((e) => granted.includes(e.kv)).map((e) => e.entry))}`),
          );
          await this.#delete(resource, kv.key);
        }
      }
      before++;
      if (entry.mode === 'exclusive') exclusiveBefore++;
    }
  }

  #hold(waiter: LocalWaiter, key: string): LockHold {
    let released: Promise<void> | undefined;
    const release = (): Promise<void> =>
      (released ??= this.#ctx.backend
        .txn({
          compare: [{ key, target: 'createRevision', op: '==', value: waiter.fence }],
          success: [{ type: 'delete', key }],
        })
        .then(() => undefined));
    return { resource: waiter.resource, mode: waiter.request.mode, fence: waiter.fence, release, dispose: release };
  }
}

/**
 * The grant rule of #evaluate for one request, on the queue read in its own transaction: true
 * when `key` holds the lock now and its capacity agrees with the holders' (a disagreement is
 * left to #evaluate, which refuses it).
 */
function grantedNow(queue: readonly KeyValue[], key: string, request: LockRequest): boolean {
  const capacity = queue[0] ? (JSON.parse(queue[0].value) as LockEntry).capacity : request.capacity;
  if (capacity !== request.capacity) return false;
  let before = 0;
  let exclusiveBefore = 0;
  for (const kv of queue) {
    if (kv.key === key) return request.mode === 'shared' ? exclusiveBefore === 0 : before < capacity;
    before++;
    if ((JSON.parse(kv.value) as LockEntry).mode === 'exclusive') exclusiveBefore++;
  }
  return false;
}

function holders(entries: LockEntry[]): string {
  if (entries.length === 0) return 'earlier waiters';
  return entries.map((e) => `${e.name} (session ${e.session})`).join(', ');
}
