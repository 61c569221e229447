import type { PluginContext } from '@lockstep/core';
import { multicastAgentStep, planMulticastAgent } from './steps/multicast-agent.js';
import { multicastPushStep, planMulticastPush } from './steps/multicast-push.js';

/**
 * Registers the `multicast-push` and `multicast-agent` steps.
 *
 * @param context the plugin context the host passes in
 */
export function activate(context: PluginContext): void {
  context.subscriptions.push(context.registerStep('multicast-push', multicastPushStep, planMulticastPush));
  context.subscriptions.push(context.registerStep('multicast-agent', multicastAgentStep, planMulticastAgent));
}

/** Nothing to release: agents a run started are stopped by the run's own subscriptions. */
export function deactivate(): void {}
