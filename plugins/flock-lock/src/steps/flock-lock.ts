import { hostname, userInfo } from 'node:os';
import { isLockstepError, joinArrivalGroup, parseDuration } from '@lockstep/core';
import type { MemberResult, StepContext, StepHandler, StepOutcome, StepPlanner } from '@lockstep/core';
import { acquireClusterLock } from '../cluster-lock.js';

/** Arguments of the `flock-lock` step, as the playbook writes them. */
export interface FlockLockArgs {
  /** File or directory to lock on each node; default `/`. */
  path?: string;
  /** Heartbeat interval (duration); default `10s`; `0` turns it off. */
  heartbeat?: string | number;
  /** How long a holder may take to answer a heartbeat (duration); default the heartbeat interval. */
  'answer-timeout'?: string | number;
  /** How long to wait for a busy lock (duration); default `0`. */
  wait?: string | number;
  /** When false, failing to lock is a warning (orgalorg `--no-lock-fail`); default true. */
  fail?: boolean;
  /** Keep the step running until the run is interrupted (orgalorg `--lock`); default false. */
  hold?: boolean;
}

/** {@link FlockLockArgs} with every default applied and durations in milliseconds. */
export interface NormalizedFlockLockOptions {
  path: string;
  heartbeatMs: number;
  answerTimeoutMs: number;
  waitMs: number;
  fail: boolean;
  hold: boolean;
}

/**
 * Applies the defaults of the `flock-lock` step.
 *
 * @param args validated arguments
 * @returns the complete options
 * @throws {LockstepError} `DURATION_INVALID` for a bad `heartbeat` or `wait`
 * @throws {TypeError} for an empty `path`
 */
export function normalizeFlockLockOptions(args: FlockLockArgs = {}): NormalizedFlockLockOptions {
  const path = args.path ?? '/';
  if (path === '') throw new TypeError('flock-lock: `path` must be a file or directory path, got an empty string');
  const heartbeatMs = parseDuration(args.heartbeat ?? '10s');
  return {
    path,
    heartbeatMs,
    answerTimeoutMs: args['answer-timeout'] === undefined ? heartbeatMs : parseDuration(args['answer-timeout']),
    waitMs: parseDuration(args.wait ?? 0),
    fail: args.fail ?? true,
    hold: args.hold ?? false,
  };
}

/**
 * Takes orgalorg's global cluster lock: an flock on `path` on every node of the phase, all or
 * none, held until the run ends. The nodes of the phase act together: the first handler to
 * arrive waits for the others, then one attempt covers all of them (see
 * {@link acquireClusterLock}). The lock is released by a disposable on the run's
 * subscriptions; a failed heartbeat aborts the run.
 *
 * @param args validated step arguments
 * @param context the step context
 * @returns `locked <path> on N nodes`
 * @throws {FlockLockError} `FL1001` when a node refuses (naming the node and holder), `FL1002`
 *   when a node cannot try; with `fail: false` these become a warning
 */
export const flockLockStep: StepHandler<FlockLockArgs> = async (args, context: StepContext): Promise<StepOutcome> => {
  const options = normalizeFlockLockOptions(args);
  if (context.run.dryRun) return { summary: planFlockLock(args, context.node.spec) };
  context.progress.report(`locking ${options.path}`);
  const result = await joinArrivalGroup<NormalizedFlockLockOptions, StepOutcome>(options, context, {
    kind: 'flock-lock',
    work: async (members) => {
      const first = members[0]!;
      const { run } = first.context;
      const owner = `lockstep run ${run.id} on ${hostname()} (pid ${process.pid}, user ${safeUser()})`;
      const heartbeatMs = Math.min(...members.map((member) => member.args.heartbeatMs));
      const settle = (value: MemberResult<StepOutcome>): Map<string, MemberResult<StepOutcome>> =>
        new Map(members.map((member) => [member.context.node.name, value]));
      try {
        const lock = await acquireClusterLock(
          members.map((member) => ({ node: member.context.node, path: member.args.path })),
          {
            owner,
            waitMs: Math.max(...members.map((member) => member.args.waitMs)),
            heartbeatMs,
            answerTimeoutMs: Math.min(...members.map((member) => member.args.answerTimeoutMs)),
            onLost: (error) => run.abort(error),
          },
        );
        run.subscriptions.push(lock);
        const nodes = members.map((member) => member.context.node.name);
        const count = `${members.length} node${members.length === 1 ? '' : 's'}`;
        return new Map(
          members.map((member) => [
            member.context.node.name,
            { ok: true, value: { summary: `locked ${member.args.path} (${count})`, data: { path: member.args.path, nodes } } },
          ]),
        );
      } catch (error) {
        if (members.every((member) => !member.args.fail) && isLockstepError(error)) {
          for (const member of members) member.context.log.warn(`${error.message}; going on without the lock`);
          return settle({ ok: true, value: { summary: 'not locked (lock failures ignored)', data: { error: error.message } } });
        }
        return settle({ ok: false, error });
      }
    },
  });
  if (options.hold) await holdUntilAborted(context);
  return result;
};

/** Keeps a `hold` step running until the run is interrupted; the lock goes with the run. */
async function holdUntilAborted(context: StepContext): Promise<void> {
  context.progress.report('holding the lock until interrupted');
  context.log.info('holding the cluster lock; press Ctrl-C to release it');
  if (context.signal.aborted) return;
  await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}

/**
 * Describes the step for `--dry-run`.
 *
 * @param args validated step arguments
 * @returns one line, e.g. `flock / on every node of the phase (heartbeat 10s)`
 */
export const planFlockLock: StepPlanner<FlockLockArgs> = (args) => {
  const path = args.path ?? '/';
  return `flock ${path} on every node of the phase, all or none (heartbeat ${args.heartbeat ?? '10s'}, wait ${args.wait ?? 0})`;
};
