import type { PluginContext } from '@lockstep/core';
import { planRingLatency, ringLatencyStep } from './steps/ring-latency.js';

/**
 * Registers the `ring-latency` step.
 *
 * @param context the plugin context the host passes in
 */
export function activate(context: PluginContext): void {
  context.subscriptions.push(context.registerStep('ring-latency', ringLatencyStep, planRingLatency));
}

/** Nothing to release: the ring lives in the agents. */
export function deactivate(): void {}
