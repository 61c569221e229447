import { toDisposable } from '../disposable.js';
import type { StepContext } from './api.js';

/**
 * One node's step waiting in an arrival group: what {@link joinArrivalGroup} was called with on
 * that node.
 */
export interface Arrival<Args> {
  /** The node's validated step arguments. */
  readonly args: Args;
  /** The node's step context; `context.node.name` identifies the member. */
  readonly context: StepContext;
}

/**
 * What the group's work settled for one node: a value, or that node's own failure. Returning a
 * failure for one node lets the others succeed.
 */
export type MemberResult<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Options of {@link joinArrivalGroup}. */
export interface ArrivalGroupOptions<Args, R> {
  /**
   * Names the step type (usually the step's `type`), so that the groups of two plugins, or of
   * two step types of one plugin, never meet.
   */
  kind: string;
  /**
   * Runs once per group with every node that arrived, and settles each node's result. It must
   * return a result for every member; a throw fails every member with the same error.
   *
   * @param members the nodes that arrived, in arrival order
   * @returns each member's result, keyed by node name
   */
  work: (members: readonly Arrival<Args>[]) => Promise<ReadonlyMap<string, MemberResult<R>>>;
  /**
   * How long, in milliseconds, a group waits for the next node of the phase after the last one
   * arrived before it starts with those present (nodes held back by `forks` or `serial` then
   * form a later group). Default `3000`.
   */
  graceMs?: number;
}

interface OpenGroup<Args, R> {
  key: string;
  members: Arrival<Args>[];
  waiters: Map<string, { resolve: (value: R) => void; reject: (error: unknown) => void }>;
  /** Subscriptions that only matter until the group starts. */
  listeners: Array<{ dispose(): void }>;
  timer: NodeJS.Timeout | undefined;
  started: boolean;
  options: ArrivalGroupOptions<Args, R>;
}

/** `run\0kind\0phase\0occurrence` -> the group the nodes of that phase join right now. */
const open = new Map<string, OpenGroup<unknown, unknown>>();
/** `run\0kind\0phase\0node` -> how many times that node reached a step of this kind in the phase. */
const occurrences = new Map<string, number>();
const cleanupRegistered = new Set<string>();

/**
 * Waits for the other nodes of the phase that reach the same step, then acts once for all of
 * them: the helper behind steps that do one thing for a whole phase (stream one archive to every
 * node, take a lock on every node all or none).
 *
 * The n-th step of `options.kind` on each node meets the n-th on the others. The group's
 * {@link ArrivalGroupOptions.work work} runs once, when every node of the phase that has not
 * failed has arrived, or {@link ArrivalGroupOptions.graceMs graceMs} after the last arrival;
 * each node's promise then settles with its own {@link MemberResult}. A node whose step is
 * aborted before the group starts leaves the group.
 *
 * *Note*: step handlers run per node in the runner's process, so the groups live in a
 * module-level registry shared by every node of a run; it is cleared when the run's
 * `context.run.subscriptions` are disposed. Plugins that load their own copy of
 * core get their own registry, which is fine as long as one step type is handled by one plugin.
 *
 * @param args this node's validated arguments
 * @param context this node's step context
 * @param options the step kind, the group's work and the grace period
 * @returns this node's result
 * @throws whatever the work settled for this node (or threw for all), or the abort reason if
 *   the step is aborted before the group starts
 * @example
 * ```ts
 * const step: StepHandler<Args> = (args, context) =>
 *   joinArrivalGroup(args, context, {
 *     kind: 'my-step',
 *     work: async (members) => new Map(members.map((m) => [m.context.node.name, { ok: true, value: undefined }])),
 *   });
 * ```
 */
export function joinArrivalGroup<Args, R>(args: Args, context: StepContext, options: ArrivalGroupOptions<Args, R>): Promise<R> {
  const { run, phase, node } = context;
  const base = `${run.id}\0${options.kind}\0${phase.name}`;
  if (!cleanupRegistered.has(run.id)) {
    cleanupRegistered.add(run.id);
    run.subscriptions.push(toDisposable(() => forgetRun(run.id)));
  }
  const countKey = `${base}\0${node.name}`;
  const occurrence = (occurrences.get(countKey) ?? 0) + 1;
  occurrences.set(countKey, occurrence);
  const key = `${base}\0${occurrence}`;
  let group = open.get(key) as OpenGroup<Args, R> | undefined;
  if (!group) {
    group = { key, members: [], waiters: new Map(), listeners: [], timer: undefined, started: false, options };
    open.set(key, group as OpenGroup<unknown, unknown>);
  }
  const current = group;
  return new Promise<R>((resolve, reject) => {
    if (context.signal.aborted) {
      reject(context.signal.reason);
      return;
    }
    current.members.push({ args, context });
    current.waiters.set(node.name, { resolve, reject });
    const onAbort = (): void => {
      if (current.started) return;
      current.members = current.members.filter((member) => member.context !== context);
      current.waiters.delete(node.name);
      reject(context.signal.reason);
      maybeStart(current);
    };
    context.signal.addEventListener('abort', onAbort, { once: true });
    current.listeners.push({ dispose: () => context.signal.removeEventListener('abort', onAbort) });
    current.listeners.push(phase.onDidFailNode(() => maybeStart(current)));
    maybeStart(current);
  });
}

/** Starts the group when every live node of the phase is in, else (re)arms the grace timer. */
function maybeStart<Args, R>(group: OpenGroup<Args, R>): void {
  if (group.started) return;
  clearTimeout(group.timer);
  const first = group.members[0];
  if (!first) return;
  const { phase } = first.context;
  const failed = new Set(phase.failedNodes());
  const arrived = new Set(group.members.map((member) => member.context.node.name));
  if (phase.nodes.every((name) => failed.has(name) || arrived.has(name))) start(group);
  else group.timer = setTimeout(() => start(group), group.options.graceMs ?? 3000);
}

function start<Args, R>(group: OpenGroup<Args, R>): void {
  if (group.started) return;
  group.started = true;
  clearTimeout(group.timer);
  for (const listener of group.listeners.splice(0)) listener.dispose();
  // Late arrivals with the same occurrence (held back by forks or serial) form a new group.
  if (open.get(group.key) === (group as OpenGroup<unknown, unknown>)) open.delete(group.key);
  group.options.work([...group.members]).then(
    (results) => {
      for (const [name, waiter] of group.waiters) {
        const result = results.get(name);
        if (!result) waiter.reject(new Error(`internal: no result for node ${name}`));
        else if (result.ok) waiter.resolve(result.value);
        else waiter.reject(result.error);
      }
    },
    (error: unknown) => {
      for (const waiter of group.waiters.values()) waiter.reject(error);
    },
  );
}

function forgetRun(runId: string): void {
  cleanupRegistered.delete(runId);
  for (const map of [open, occurrences] as Map<string, unknown>[]) {
    for (const key of map.keys()) if (key.startsWith(`${runId}\0`)) map.delete(key);
  }
}
