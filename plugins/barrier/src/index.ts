import type { PluginContext } from '@lockstep/core';
import { barrierStep, planBarrier } from './steps/barrier.js';

/**
 * Registers the `barrier` step.
 *
 * @param context the plugin context the host passes in
 */
export function activate(context: PluginContext): void {
  context.subscriptions.push(context.registerStep('barrier', barrierStep, planBarrier));
}

/** Nothing to release: barriers live in the run's coordinator, not in the plugin. */
export function deactivate(): void {}
