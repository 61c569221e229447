import type { PluginContext } from '@lockstep/core';
import { planSemaphore, semaphoreStep } from './steps/semaphore.js';

/**
 * Registers the `semaphore` step.
 *
 * @param context the plugin context the host passes in
 */
export function activate(context: PluginContext): void {
  context.subscriptions.push(context.registerStep('semaphore', semaphoreStep, planSemaphore));
}

/** Nothing to release: semaphores live in the run's coordinator, not in the plugin. */
export function deactivate(): void {}
