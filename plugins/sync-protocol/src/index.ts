import type { PluginContext } from '@lockstep/core';
import { planSyncProtocol, syncProtocolStep } from './steps/sync-protocol.js';

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
