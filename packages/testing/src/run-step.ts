import type { NodeSpec } from '@lockstep/core';
import { createLocalCluster } from './local-cluster.js';
import { playbook, step, type StepOptions } from './playbook-builder.js';
import { createTestHost, runWithRecorder, type TestRunOptions, type TestRunResult } from './test-run.js';

/** Options of {@link runStep}. */
export interface RunStepOptions extends TestRunOptions {
  /** Nodes to run on (default: one fresh local node, removed afterwards), or how many local nodes to make. */
  nodes?: NodeSpec[] | number;
  /** The step's common fields (`timeout`, `retries`, `when`, …). */
  step?: StepOptions;
}

/**
 * Runs one step of your plugin on real local nodes, through the real runner: the manifest is
 * read, the plugin activated, the arguments validated against its schema, and the plugin
 * deactivated at the end.
 *
 * @param type the step type
 * @param args the step's arguments (templates allowed)
 * @param options your plugin's directory in `plugins`, and the nodes
 * @returns the result and every event
 * @example
 * const { result, output } = await runStep('hello', { greeting: 'hi' }, { plugins: [pluginDir] });
 * expect(result.exitCode).toBe(0);
 */
export async function runStep(type: string, args: unknown, options: RunStepOptions = {}): Promise<TestRunResult> {
  const owned = Array.isArray(options.nodes) ? undefined : await createLocalCluster(options.nodes ?? 1);
  const nodes = Array.isArray(options.nodes) ? options.nodes : owned!;
  try {
    const host = await createTestHost(options);
    const built = playbook(`step ${type}`).nodes(nodes).phase(type, [step(type, args, options.step)]).build();
    return await runWithRecorder(built, host, options);
  } finally {
    await owned?.cleanup();
  }
}
