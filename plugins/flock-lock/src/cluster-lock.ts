import type { Disposable, StepNode } from '@lockstep/core';
import { FlockLockCodes, FlockLockError } from './errors.js';
import { LockHolder } from './lock-holder.js';

/** One node to lock and the path to lock there. */
export interface LockTarget {
  node: StepNode;
  path: string;
}

/** Options of {@link acquireClusterLock}. */
export interface AcquireOptions {
  /** How this run describes itself to whoever finds the lock busy. */
  owner: string;
  /** How long to wait for a busy lock on each node; 0 fails at once. */
  waitMs: number;
  /** Interval of the heartbeat; 0 turns it off. */
  heartbeatMs: number;
  /** How long each holder may take to answer a heartbeat; default the interval. */
  answerTimeoutMs?: number;
  /** Called once when a heartbeat fails or a holder dies; the caller aborts the run. */
  onLost: (error: FlockLockError) => void;
}

/** The lock, held on every node of a group. Disposing it releases every node's lock. */
export interface ClusterLock extends Disposable {
  readonly holders: readonly LockHolder[];
}

/**
 * Takes the lock on every target, all or none. Targets are locked in a fixed order (by host,
 * port and path): the first alone, then the rest together. Two runs racing for the same nodes
 * therefore meet at the first node, and exactly one of them goes on; the other fails there
 * without ever holding a lock that would make the winner fail too.
 *
 * @param targets the nodes and paths
 * @param options owner, wait, heartbeat
 * @returns the held lock
 * @throws {FlockLockError} `LOCK_BUSY` naming the node and its holders when a node refuses,
 *   `LOCK_FAILED` when a node could not try; every lock taken so far is released first
 */
export async function acquireClusterLock(targets: readonly LockTarget[], options: AcquireOptions): Promise<ClusterLock> {
  const ordered = [...targets].sort((a, b) => orderKey(a).localeCompare(orderKey(b)));
  const taken: LockHolder[] = [];
  const [first, ...rest] = ordered;
  try {
    if (first) await lockOne(first, options, taken);
    const results = await Promise.allSettled(rest.map((target) => lockOne(target, options, taken)));
    const refused = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (refused) throw refused.reason;
  } catch (error) {
    await Promise.all(taken.map((holder) => holder.release()));
    throw error;
  }
  return startHeartbeat(taken, options);
}

async function lockOne(target: LockTarget, options: AcquireOptions, taken: LockHolder[]): Promise<void> {
  const holder = LockHolder.start(target.node, target.path, options.owner, options.waitMs);
  const result = await holder.acquired;
  if (result.state === 'locked') {
    taken.push(holder);
    return;
  }
  // Held by this run through another node on the same machine: that node's holder covers it.
  if (result.state === 'shared') return;
  const where = `${target.node.name} (${target.node.host}:${target.path})`;
  if (result.state === 'busy') {
    const by = result.holders.length > 0 ? `held by ${result.holders.join('; ')}` : 'held by another process';
    throw new FlockLockError(FlockLockCodes.LOCK_BUSY, `cluster lock refused on ${where}: ${by}`, {
      node: target.node.name,
      path: target.path,
      holders: result.holders,
    });
  }
  throw new FlockLockError(FlockLockCodes.LOCK_FAILED, `cluster lock could not be taken on ${where}: ${result.reason}`, {
    node: target.node.name,
    path: target.path,
  });
}

function startHeartbeat(holders: LockHolder[], options: AcquireOptions): ClusterLock {
  let lost = false;
  const lose = (error: FlockLockError): void => {
    if (lost) return;
    lost = true;
    options.onLost(error);
  };
  for (const holder of holders) {
    holder.onDidLose((reason) =>
      lose(
        new FlockLockError(
          FlockLockCodes.HEARTBEAT_FAILED,
          `cluster lock lost on ${holder.node.name} (${holder.path}): the lock holder exited (${reason}); aborting the run`,
          { node: holder.node.name, path: holder.path },
        ),
      ),
    );
  }
  let beat = 0;
  let inFlight = false;
  const timer =
    options.heartbeatMs > 0
      ? setInterval(() => {
          // A beat still waiting for answers is the one that will fail; don't stack another.
          if (inFlight || lost) return;
          inFlight = true;
          const id = String(++beat);
          Promise.all(holders.map((holder) => holder.ping(id, options.answerTimeoutMs ?? options.heartbeatMs))).then(
            () => (inFlight = false),
            (error: FlockLockError) => lose(error),
          );
        }, options.heartbeatMs)
      : undefined;
  timer?.unref();
  let released = false;
  return {
    holders,
    async dispose() {
      if (released) return;
      released = true;
      lost = true;
      clearInterval(timer);
      await Promise.all(holders.map((holder) => holder.release()));
    },
  };
}

function orderKey(target: LockTarget): string {
  return `${target.node.host}\0${String(target.node.spec.port ?? 22).padStart(5, '0')}\0${target.path}`;
}
