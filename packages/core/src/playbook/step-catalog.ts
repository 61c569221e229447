import type { StepContribution } from '../plugins/api.js';

/**
 * Every step type a playbook may use, and where each comes from. The plugin host builds it from
 * manifests without importing plugin code.
 */
export interface StepCatalog {
  /** step type -> its contribution and the plugin (package name) that contributes it */
  steps: ReadonlyMap<string, { contribution: StepContribution; plugin: string }>;
  /** names of every installed plugin, for "unknown step type" errors */
  plugins: readonly string[];
}

/**
 * Builds a catalog from contributions by hand: for tests, and for callers without a plugin host.
 *
 * @param plugins plugin name -> the step types it contributes
 * @returns the catalog
 * @example stepCatalogOf({ '@lockstep/plugin-run': [{ type: 'run', description: 'runs a command', schema: { type: 'string' } }] })
 */
export function stepCatalogOf(plugins: Record<string, StepContribution[]>): StepCatalog {
  const steps = new Map<string, { contribution: StepContribution; plugin: string }>();
  for (const [plugin, contributions] of Object.entries(plugins)) {
    for (const contribution of contributions) steps.set(contribution.type, { contribution, plugin });
  }
  return { steps, plugins: Object.keys(plugins) };
}
