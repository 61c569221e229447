import { ErrorCodes, LockstepError, parseDuration } from '@lockstep/core';
import type { StepContext, StepHandler, StepOutcome, StepPlanner } from '@lockstep/core';
import { formatMs, formatRingReport, requestAgentOnNode, resolveAgentControl } from '@lockstep/agent';
import type { LatencyStats, RingRunReport } from '@lockstep/agent';

/** Arguments of the `ring-latency` step, as the playbook writes them. */
export interface RingLatencyArgs {
  /** Control addresses of the ring members in ring order; absent: the ring configured on the agent. */
  members?: string[];
  /** Message size, or a list of sizes to sweep (default 256). */
  'msg-bytes'?: number | number[];
  /** Messages per tour (default 1). */
  count?: number;
  'forward-immediately'?: boolean;
  'member-timeout'?: string;
  /** The coordinating agent's control address on the node (default `$LOCKSTEP_AGENT`, else the default socket). */
  control?: string;
  /** Bounds on the per-hop latency (durations) and on lost messages (default 0). */
  expect?: { min?: string; median?: string; p99?: string; max?: string; lost?: number };
}

const STATS = ['min', 'median', 'p99', 'max'] as const;

/**
 * Checks a ring run against the step's expectations.
 * @param report what the ring run returned
 * @param expect the bounds: per-hop stats as durations, `lost` as a count (default 0)
 * @returns one line per missed expectation (empty when all hold)
 */
export function missedExpectations(report: RingRunReport, expect: RingLatencyArgs['expect'] = {}): string[] {
  const missed: string[] = [];
  for (const tour of report.tours) {
    const allowedLost = expect.lost ?? 0;
    if (tour.lost > allowedLost) missed.push(`msg-bytes ${tour.msgBytes}: ${tour.lost} lost (expected at most ${allowedLost})`);
    for (const problem of tour.problems) if (!problem.includes('lost on the way') || tour.lost > allowedLost) missed.push(`msg-bytes ${tour.msgBytes}: ${problem}`);
    for (const stat of STATS) {
      const bound = expect[stat];
      if (bound === undefined) continue;
      const limit = parseDuration(bound);
      const value = (tour.perHop as LatencyStats | undefined)?.[stat];
      if (value === undefined) missed.push(`msg-bytes ${tour.msgBytes}: no per-hop ${stat} (no message came back)`);
      else if (value > limit) missed.push(`msg-bytes ${tour.msgBytes}: per-hop ${stat} ${formatMs(value)} > ${bound}`);
    }
  }
  return missed;
}

/**
 * Sends messages around a ring of agents (stillepost) through the coordinating agent on the
 * step's node, and fails the step when an expectation on the per-hop latency or on lost
 * messages is missed: a network check as part of a checked-in scenario.
 *
 * @param args validated step arguments
 * @param context the step context
 * @returns a summary (per-hop median and p99 of each size) and the report in `data`
 * @throws {LockstepError} `RING_EXPECTATION_MISSED` (LS6009) or `RING_INCOMPLETE` (LS6007)
 * naming what was missed; `RING_MESSAGE_SIZE` (LS6008) for a size that cannot be sent
 */
export const ringLatencyStep: StepHandler<RingLatencyArgs> = async (args, context: StepContext): Promise<StepOutcome> => {
  const control = resolveAgentControl(args.control, context.env);
  const params: Record<string, unknown> = {};
  if (args.members) params.members = args.members;
  if (args['msg-bytes'] !== undefined) params.msgBytes = Array.isArray(args['msg-bytes']) ? args['msg-bytes'] : [args['msg-bytes']];
  if (args.count !== undefined) params.count = args.count;
  if (args['forward-immediately'] !== undefined) params.forwardImmediately = args['forward-immediately'];
  if (args['member-timeout'] !== undefined) params.memberTimeout = args['member-timeout'];
  context.progress.report(`ring tour via ${control}`);
  const report = await requestAgentOnNode<RingRunReport>(context.node, control, 'ring.run', params, { signal: context.signal });
  for (const line of formatRingReport(report)) context.log.info(line);
  const missed = missedExpectations(report, args.expect);
  if (missed.length > 0) {
    const incompleteOnly = args.expect === undefined || STATS.every((s) => args.expect?.[s] === undefined);
    throw new LockstepError(incompleteOnly && report.incomplete ? ErrorCodes.RING_INCOMPLETE : ErrorCodes.RING_EXPECTATION_MISSED, `ring latency: ${missed.join('; ')}`);
  }
  const summary = report.tours
    .map((t) => `${t.msgBytes}B per hop median ${t.perHop ? formatMs(t.perHop.median) : 'n/a'} p99 ${t.perHop ? formatMs(t.perHop.p99) : 'n/a'}`)
    .join(', ');
  return { summary, data: { report } };
};

/**
 * Describes the step for `--dry-run`.
 * @param args validated step arguments
 */
export const planRingLatency: StepPlanner<RingLatencyArgs> = (args) =>
  `ring-latency ${args.members?.join(',') ?? '(configured ring)'} msg-bytes ${JSON.stringify(args['msg-bytes'] ?? 256)} count ${args.count ?? 1}${args.expect ? ` expect ${JSON.stringify(args.expect)}` : ''}`;
