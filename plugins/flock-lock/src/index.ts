import type { PluginContext } from '@lockstep/core';
import { flockLockStep, planFlockLock } from './steps/flock-lock.js';

/**
 * Registers the `flock-lock` step.
 *
 * @param context the plugin context the host passes in
 */
export function activate(context: PluginContext): void {
  context.subscriptions.push(context.registerStep('flock-lock', flockLockStep, planFlockLock));
}

/** Nothing to release here: each lock is a disposable on its run's subscriptions. */
export function deactivate(): void {}
