import type { PluginContext, StepContext, StepOutcome } from '@lockstep/core';
import { planSyncProtocol, syncProtocolStep, type SyncProtocolArgs } from './steps/sync-protocol.js';

export type { SyncProtocolArgs } from './steps/sync-protocol.js';

/**
 * Registers the `sync-protocol` step.
 *
 * @param context the plugin context the host passes in
 */
export function activate(context: PluginContext): void {
  context.subscriptions.push(context.registerStep('sync-protocol', syncProtocolStep, planSyncProtocol));
}

/** Nothing to release: each step disposes its own channel subscription. */
export function deactivate(): void {}

// Besides activate/deactivate, the entry point publishes what other plugins may reuse, as Yarn
// Berry plugins re-export their `xxxUtils` from `sources/index.ts` (plugin-essentials,
// plugin-version): other plugins import it by package name instead of reaching into `dist/`.

/**
 * Runs a sync tool on this node and speaks the sync protocol with it, exactly as the
 * `sync-protocol` step does: HELLO, the phase's nodes, START, then every `<prefix> SYNC` line
 * the tool prints is broadcast to the tools of the other nodes of the phase through the run's
 * coordinator, and `BARRIER`/`SEM` requests are answered on its stdin. For plugins whose steps
 * end with a user's sync tool (ssh-tar-upload's `sync-cmd`).
 *
 * *Note*: every node of the phase must call it (or run a `sync-protocol` step) at the same
 * point: the tools start together at a barrier of `context.phase.nodes.length` nodes, and the
 * n-th call on one node meets the n-th on the others.
 *
 * @param args the tool's command line, and optionally the protocol prefix and the tool's stdin
 * @param context this node's step context
 * @returns counts of the SYNC lines sent and received, in `data`
 * @throws {StepError} `STEP_FAILED` when the tool exits with a non-zero status
 * @throws {LockstepError} `BARRIER_BROKEN` when another node of the phase failed before the
 *   start or while the tools run
 * @example
 * ```ts
 * import { runSyncTool } from '@lockstep/plugin-sync-protocol';
 * await runSyncTool({ command: './deploy-tool.sh' }, context);
 * ```
 */
export async function runSyncTool(args: SyncProtocolArgs, context: StepContext): Promise<StepOutcome> {
  return (await syncProtocolStep(args, context)) ?? {};
}
