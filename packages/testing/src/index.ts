export {};
// ---- runCli ----
export { runCli } from './run-cli.js';
export type { RunCliOptions, RunCliResult } from './run-cli.js';
// ---- sshd nodes ----
export { startSshdNodes, SSHD_PATH, sshdNodesYaml, descendantsOf, isRunning } from './sshd/index.js';
export type { StartSshdNodesOptions, SshdCluster, SshdProcess } from './sshd/index.js';
// ---- local clusters, playbooks, plugin contexts ----
export { createLocalCluster, localNode, localNodesYaml } from './local-cluster.js';
export type { LocalCluster, LocalClusterOptions } from './local-cluster.js';
export { createRecordingReporter, outputLines } from './recording-reporter.js';
export type { RecordingReporter } from './recording-reporter.js';
export { playbook, step, PlaybookBuilder } from './playbook-builder.js';
export type { StepOptions, PhaseOptions } from './playbook-builder.js';
export { runStep } from './run-step.js';
export type { RunStepOptions } from './run-step.js';
export { runPlaybook } from './run-playbook.js';
export type { RunPlaybookOptions } from './run-playbook.js';
export { playbookScratch } from './playbook-scratch.js';
export type { PlaybookScratch, PlaybookScratchOptions, PlaybookScratchRun } from './playbook-scratch.js';
export { createTestHost, runWithRecorder, runPluginDir } from './test-run.js';
export type { TestRunResult, TestRunOptions } from './test-run.js';
export { createFakePluginContext } from './fake-plugin-context.js';
export type { FakePluginContext, FakeManifest, FakeLogEntry } from './fake-plugin-context.js';
export { startManualRun } from './manual-run.js';
export type { ManualRun } from './manual-run.js';
