import { ErrorCodes, LockstepError, parseDuration } from '@lockstep/core';
import type { StepContext, StepHandler, StepOutcome, StepPlanner } from '@lockstep/core';
import { formatPushReport, requestAgentOnNode, resolveAgentControl } from '@lockstep/agent';
import type { PushReport } from '@lockstep/agent';

/** Arguments of the `multicast-push` step, as the playbook writes them. */
export interface MulticastPushArgs {
  /** Paths relative to the agent's base directory. */
  paths: string[];
  recursive?: boolean;
  'dry-run'?: boolean;
  /** Member names or addresses; absent: every live member. */
  targets?: string[];
  delete?: boolean;
  checksum?: boolean;
  exclude?: string[];
  /** Rate cap, e.g. `10M` (bytes per second). */
  bwlimit?: string;
  /** The agent's control address on the node (default `$LOCKSTEP_AGENT`, else the default socket). */
  control?: string;
  /** Wait (up to `members-timeout`, default 15s) until the agent sees this many other live members. */
  'min-members'?: number;
  'members-timeout'?: string;
}

/**
 * Asks the agent on the step's node to push `paths` to every live member (or `targets`) by
 * reliable multicast. Run it on one node: the data goes out once and reaches every member.
 *
 * @param args validated step arguments
 * @param context the step context
 * @returns a summary and the push report in `data`
 * @throws {AgentRequestError} `PUSH_INCOMPLETE` (LS6005) naming every member that did not
 * confirm; `AGENT_UNREACHABLE` (LS6001) when the agent is not running
 */
export const multicastPushStep: StepHandler<MulticastPushArgs> = async (args, context: StepContext): Promise<StepOutcome> => {
  const control = resolveAgentControl(args.control, context.env);
  const params = {
    paths: args.paths,
    recursive: args.recursive === true,
    dryRun: args['dry-run'] === true,
    targets: args.targets ?? [],
    delete: args.delete === true,
    checksum: args.checksum === true,
    exclude: args.exclude ?? [],
    bwlimit: args.bwlimit,
  };
  if (args['min-members'] !== undefined) await waitForMembers(context, control, args['min-members'], parseDuration(args['members-timeout'] ?? '15s'));
  context.progress.report(`pushing ${args.paths.join(' ')} via ${control}`);
  const report = await requestAgentOnNode<PushReport>(context.node, control, 'push', params, {
    signal: context.signal,
    onEvent: (event) => {
      const e = event as { kind?: string; member?: string; reason?: string };
      if (e.kind === 'member-failed') context.log.warn(`member ${e.member} failed: ${e.reason}`);
    },
  });
  for (const line of formatPushReport(report)) context.log.info(line);
  const sent = report.members.reduce((sum, m) => sum + m.sent, 0);
  return {
    summary: `${report.dryRun ? 'would push' : 'pushed'} ${report.entries} entries to ${report.members.length} members (${(report.bytes / 1e6).toFixed(1)} MB, ${(report.durationMs / 1000).toFixed(2)}s)`,
    data: { report },
    unchanged: !report.dryRun && sent === 0,
  };
};

/** Waits until the agent lists `count` live members besides itself (agents just started take an announce interval to meet). */
async function waitForMembers(context: StepContext, control: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { members } = await requestAgentOnNode<{ members: Array<{ name: string }> }>(context.node, control, 'members', {}, { signal: context.signal });
    if (members.length >= count) return;
    if (Date.now() > deadline) {
      throw new LockstepError(ErrorCodes.PUSH_INCOMPLETE, `only ${members.length} of ${count} members are live after ${timeoutMs / 1000}s${members.length ? `: ${members.map((m) => m.name).join(', ')}` : ''}`);
    }
    context.progress.report(`waiting for ${count} members (${members.length} live)`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Describes the step for `--dry-run`.
 * @param args validated step arguments
 */
export const planMulticastPush: StepPlanner<MulticastPushArgs> = (args) =>
  `multicast-push ${args.recursive ? '-r ' : ''}${args.paths.join(' ')} to ${args.targets?.join(', ') ?? 'every live member'}`;
