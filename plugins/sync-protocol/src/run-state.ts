import { createHash } from 'node:crypto';
import { toDisposable } from '@lockstep/core';
import type { RunScope } from '@lockstep/core';

/** What the plugin remembers about one run: its prefix and how often each node ran the step. */
interface RunState {
  prefix: string;
  /** `<phase>\0<node>` -> sync-protocol steps that node started in that phase so far. */
  occurrences: Map<string, number>;
}

const runs = new Map<string, RunState>();

/**
 * The run's state, created on first use and forgotten when the run ends. Every node's step
 * handler runs in the runner's process, so a module-level map is shared by all nodes of a run.
 */
function stateOf(run: RunScope): RunState {
  let state = runs.get(run.id);
  if (!state) {
    state = { prefix: `LOCKSTEP:${unixNanoseconds()}`, occurrences: new Map() };
    runs.set(run.id, state);
    run.subscriptions.push(toDisposable(() => void runs.delete(run.id)));
  }
  return state;
}

/**
 * The protocol prefix of a run: `LOCKSTEP:<unix nanoseconds>`, like orgalorg's
 * `ORGALORG:<unix nanoseconds>`, taken when the first node of the run starts a sync-protocol
 * step and the same for every node and every sync-protocol step of the run.
 *
 * @param run the run
 * @returns the prefix
 */
export function runPrefix(run: RunScope): string {
  return stateOf(run).prefix;
}

/**
 * Counts a node's sync-protocol steps in a phase, so that the n-th step on every node meets the
 * n-th step on the others (its SYNC channel and start barrier are named after n), even when a
 * phase has several sync-protocol steps and nodes reach them at different times.
 *
 * @param run the run
 * @param phase the phase's name
 * @param node the node's name
 * @returns 1 for the node's first sync-protocol step in the phase, 2 for the second, …
 */
export function nextOccurrence(run: RunScope, phase: string, node: string): number {
  const { occurrences } = stateOf(run);
  const key = `${phase}\0${node}`;
  const next = (occurrences.get(key) ?? 0) + 1;
  occurrences.set(key, next);
  return next;
}

/** Wall-clock time in nanoseconds since the epoch (milliseconds from the clock, the rest from hrtime). */
function unixNanoseconds(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

/**
 * The coordinator channel of the n-th sync-protocol step of a phase; its start barrier is the
 * same name plus `/start`. Coordinator names allow no whitespace and 256 characters, and phase
 * names are free text, so the phase is named by a short hash.
 *
 * @param runId the run's id
 * @param phase the phase's name
 * @param occurrence from {@link nextOccurrence}
 * @returns `sync-protocol/<run id>/<12 hex digits of the phase name's SHA-256>/<n>`
 */
export function channelName(runId: string, phase: string, occurrence: number): string {
  const phaseHash = createHash('sha256').update(phase).digest('hex').slice(0, 12);
  return `sync-protocol/${runId}/${phaseHash}/${occurrence}`;
}
