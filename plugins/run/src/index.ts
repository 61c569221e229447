import type { PluginContext } from '@lockstep/core';
import { planRun, runStep } from './steps/run.js';

/**
 * Registers the `run` step.
 *
 * @param context the plugin context the host passes in
 */
export function activate(context: PluginContext): void {
  context.subscriptions.push(context.registerStep('run', runStep, planRun));
}

/** Nothing to release: every command ends with its step. */
export function deactivate(): void {}
