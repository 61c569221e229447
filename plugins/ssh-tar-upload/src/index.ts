import type { PluginContext } from '@lockstep/core';
import { planTarUpload, tarUploadStep } from './steps/ssh-tar-upload.js';

/**
 * Registers the `ssh-tar-upload` step.
 *
 * @param context the plugin context the host passes in
 */
export function activate(context: PluginContext): void {
  context.subscriptions.push(context.registerStep('ssh-tar-upload', tarUploadStep, planTarUpload));
}

/** Nothing to release: each upload ends with its step. */
export function deactivate(): void {}
