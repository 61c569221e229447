import type { Disposable } from '../disposable.js';
import { ErrorCodes } from '../errors/codes.js';
import type { KeyValue, WatchEvent } from './backend.js';
import { CoordinatorError } from './coordinator-error.js';
import { coordinatorKeys as keys } from './keys.js';
import { PendingWait, type InternalWaitOptions } from './pending-wait.js';
import type { RecipeContext } from './recipe-context.js';
import type { SessionInfo } from './session-info.js';

/** The state key of a barrier: the current (or last) generation and how it stands. */
interface BarrierState {
  generation: number;
  count: number;
  arrived: number;
  state: 'open' | 'fired' | 'broken';
  /** Who left an open generation, breaking it. */
  left?: string;
}

interface LocalParticipant {
  wait: PendingWait<{ generation: number }>;
  generation: number;
}

interface NameState {
  participants: Map<string, LocalParticipant>;
  /** Arrivals of this process still being written. */
  arriving: number;
  watch: Promise<Disposable>;
  current?: { state: BarrierState; modRevision: number };
}

type Arrival = { kind: 'fired'; generation: number } | { kind: 'mismatch'; state: BarrierState } | { kind: 'waiting' } | { kind: 'cancelled' };

/**
 * Barriers with generations, as a recipe over the backend. `bar/<name>/s` holds the current
 * generation: its number, count, arrivals so far and whether it is open, fired or broken. An
 * arrival is one transaction on that key (plus a waiter key under the session's lease); the
 * last arrival's transaction marks the generation fired and deletes its waiter keys, and every
 * process's watch sees the fired state and releases its participants. An arrival at a fired or
 * broken barrier opens the next generation, so a name is reusable. A participant that leaves
 * an open generation (timeout, abort, session end, or a lease that expired unseen) marks it
 * broken, and the others get `BARRIER_BROKEN` naming who left — after Java's CyclicBarrier.
 */
export class Barriers {
  #ctx: RecipeContext;
  #names = new Map<string, NameState>();

  constructor(ctx: RecipeContext) {
    this.#ctx = ctx;
  }

  /**
   * Reads a barrier's current (or last) generation without arriving.
   * @returns the generation, its count, arrivals and state; generation 0 and state `none` for an unknown name
   */
  async info(name: string): Promise<{ generation: number; count: number; arrived: number; state: BarrierState['state'] | 'none' }> {
    const { state } = await this.#read(name);
    if (!state) return { generation: 0, count: 0, arrived: 0, state: 'none' };
    return { generation: state.generation, count: state.count, arrived: state.arrived, state: state.state };
  }

  /**
   * Arrives at barrier `name` expecting `count` participants.
   * @returns the generation that fired
   * @throws {CoordinatorError} `BARRIER_BROKEN` on a count mismatch or when a participant left; `COORDINATOR_TIMED_OUT`
   */
  async arrive(session: SessionInfo, name: string, count: number, options: InternalWaitOptions): Promise<{ generation: number }> {
    const wait = new PendingWait<{ generation: number }>(`barrier "${name}" (count ${count})`, options);
    if (!session.track(wait)) return wait.promise;
    const ns = this.#state(name);
    ns.arriving++;
    const me = JSON.stringify({ session: session.id, name: session.name });
    const requestId = session.nextRequestId();
    let arrival: Arrival;
    try {
      await ns.watch;
      arrival = await this.#ctx.serial(`bar:${name}`, async (): Promise<Arrival> => {
        for (;;) {
          if (wait.settled) return { kind: 'cancelled' };
          const { kv, state } = await this.#read(name);
          const compare = [{ key: keys.barrierState(name), target: 'modRevision' as const, op: '==' as const, value: kv?.modRevision ?? 0 }];
          if (!state || state.state !== 'open') {
            const generation = (state?.generation ?? 0) + 1;
            const next: BarrierState = { generation, count, arrived: 1, state: count === 1 ? 'fired' : 'open' };
            const key = keys.barrierArrival(name, generation, session.id, requestId);
            const result = await this.#ctx.backend.txn({
              compare,
              success: [
                { type: 'put', key: keys.barrierState(name), value: JSON.stringify(next) },
                ...(count === 1 ? [] : [{ type: 'put' as const, key, value: me, lease: session.lease }]),
              ],
            });
            if (!result.succeeded) continue;
            if (count === 1) return { kind: 'fired', generation };
            this.#register(name, ns, key, wait, generation, session);
            return { kind: 'waiting' };
          }
          if (state.count !== count) return { kind: 'mismatch', state };
          if (state.arrived + 1 === count) {
            // Before firing, check that everyone counted is still there: a lease may have expired
            // while no process watched (all other participants' coordinators gone).
            const live = await this.#ctx.backend.range({ key: keys.barrierArrivals(name, state.generation), prefix: true, countOnly: true });
            if (live.count !== state.arrived) {
              await this.#ctx.backend.txn({
                compare,
                success: [{ type: 'put', key: keys.barrierState(name), value: JSON.stringify({ ...state, state: 'broken', left: 'a participant whose session ended' }) }],
              });
              continue;
            }
            const result = await this.#ctx.backend.txn({
              compare,
              success: [
                { type: 'put', key: keys.barrierState(name), value: JSON.stringify({ ...state, arrived: count, state: 'fired' }) },
                { type: 'delete', key: keys.barrierArrivals(name, state.generation), prefix: true },
              ],
            });
            if (result.succeeded) return { kind: 'fired', generation: state.generation };
            continue;
          }
          const key = keys.barrierArrival(name, state.generation, session.id, requestId);
          const result = await this.#ctx.backend.txn({
            compare,
            success: [
              { type: 'put', key: keys.barrierState(name), value: JSON.stringify({ ...state, arrived: state.arrived + 1 }) },
              { type: 'put', key, value: me, lease: session.lease },
            ],
          });
          if (!result.succeeded) continue;
          this.#register(name, ns, key, wait, state.generation, session);
          return { kind: 'waiting' };
        }
      });
    } catch (error) {
      wait.refuse(error as Error);
      arrival = { kind: 'cancelled' };
    } finally {
      ns.arriving--;
    }
    if (arrival.kind === 'fired') wait.grant({ generation: arrival.generation });
    else if (arrival.kind === 'mismatch') {
      const s = arrival.state;
      wait.refuse(
        new CoordinatorError(
          ErrorCodes.BARRIER_BROKEN,
          `barrier "${name}": this arrival expects ${count} participants, but generation ${s.generation} expects ${s.count} (${s.arrived} arrived); nobody was released`,
        ),
      );
    }
    this.#release(name);
    return wait.promise;
  }

  #register(name: string, ns: NameState, key: string, wait: PendingWait<{ generation: number }>, generation: number, session: SessionInfo): void {
    const who = `${session.name} (session ${session.id})`;
    if (wait.settled) {
      // Timed out while its arrival was being written: leave right away (queued after this task).
      void this.#leave(name, generation, key, who).catch(() => undefined);
      return;
    }
    ns.participants.set(key, { wait, generation });
    wait.onWithdraw(() => this.#leave(name, generation, key, who));
  }

  /** A waiting participant leaves: its generation is broken for the others. */
  async #leave(name: string, generation: number, key: string, who: string): Promise<void> {
    this.#names.get(name)?.participants.delete(key);
    await this.#ctx.serial(`bar:${name}`, async () => {
      for (;;) {
        const { kv, state } = await this.#read(name);
        const open = state?.generation === generation && state.state === 'open';
        const result = await this.#ctx.backend.txn({
          compare: [{ key: keys.barrierState(name), target: 'modRevision', op: '==', value: kv?.modRevision ?? 0 }],
          success: [
            ...(open ? [{ type: 'put' as const, key: keys.barrierState(name), value: JSON.stringify({ ...state, state: 'broken', left: who }) }] : []),
            { type: 'delete', key },
          ],
        });
        if (result.succeeded) return;
      }
    });
    this.#release(name);
  }

  #state(name: string): NameState {
    let ns = this.#names.get(name);
    if (!ns) {
      const created: NameState = { participants: new Map(), arriving: 0, watch: Promise.resolve({ dispose() {} }) };
      created.watch = this.#ctx.watch(keys.barrierPrefix(name), (events) => this.#onEvents(name, created, events));
      this.#names.set(name, (ns = created));
    }
    return ns;
  }

  #release(name: string): void {
    const ns = this.#names.get(name);
    if (!ns || ns.participants.size > 0 || ns.arriving > 0) return;
    this.#names.delete(name);
    void ns.watch.then((w) => w.dispose());
  }

  #onEvents(name: string, ns: NameState, events: readonly WatchEvent[]): void {
    const stateKey = keys.barrierState(name);
    const arrivals = keys.barrierPrefix(name) + 'g/';
    for (const event of events) {
      if (event.kv.key === stateKey && event.type === 'put') {
        const state = parseState(event.kv);
        ns.current = { state, modRevision: event.kv.modRevision };
        if (state.state === 'open') continue;
        for (const [key, p] of ns.participants) {
          if (p.generation > state.generation) continue;
          ns.participants.delete(key);
          if (p.generation === state.generation && state.state === 'fired') p.wait.grant({ generation: p.generation });
          else p.wait.refuse(brokenError(name, p.generation, p.generation === state.generation ? state.left : undefined));
        }
        this.#release(name);
      } else if (event.type === 'delete' && event.kv.key.startsWith(arrivals)) {
        const generation = Number(event.kv.key.slice(arrivals.length).split('/')[0]);
        const current = ns.current?.state;
        if (!current || current.state !== 'open' || current.generation !== generation) continue;
        if (![...ns.participants.values()].some((p) => p.generation === generation)) continue;
        // A participant's key vanished from an open generation without it leaving through
        // #leave: its lease ended (process killed, coordinator lost). Break the generation.
        const who = describe(event.prevKv);
        void this.#leave(name, generation, event.kv.key, who).catch(() => undefined);
      }
    }
  }

  async #read(name: string): Promise<{ kv: KeyValue | undefined; state: BarrierState | undefined }> {
    const { kvs } = await this.#ctx.backend.range({ key: keys.barrierState(name) });
    const kv = kvs[0];
    return { kv, state: kv ? parseState(kv) : undefined };
  }
}

function parseState(kv: KeyValue): BarrierState {
  return JSON.parse(kv.value) as BarrierState;
}

function describe(kv: KeyValue | undefined): string {
  if (!kv) return 'a participant';
  try {
    const { session, name } = JSON.parse(kv.value) as { session: string; name: string };
    return `${name} (session ${session})`;
  } catch {
    return 'a participant';
  }
}

function brokenError(name: string, generation: number, left: string | undefined): CoordinatorError {
  return new CoordinatorError(
    ErrorCodes.BARRIER_BROKEN,
    left
      ? `barrier "${name}" generation ${generation} is broken: ${left} left before it fired`
      : `barrier "${name}" generation ${generation} ended without this participant`,
  );
}
