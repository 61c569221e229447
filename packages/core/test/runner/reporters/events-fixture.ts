import type { RunEvent, StepRef } from '../../../src/runner/events.js';

/** A run of two phases on two nodes where web2 fails its second step: the events a runner emits. */
export function failingRunEvents(): RunEvent[] {
  const t = 1_700_000_000_000;
  const step = (phase: string, node: string, index: number, label: string): StepRef => ({ phase, node, index, label, type: 'run' });
  const build1 = step('build', 'web1', 0, 'compile');
  const build2 = step('build', 'web2', 0, 'compile');
  const test1 = step('build', 'web1', 1, 'test');
  const test2 = step('build', 'web2', 1, 'test');
  return [
    { type: 'run:start', time: t, runId: 'r1', playbook: 'site.yml', name: 'site', nodes: ['web1', 'web2'], phases: ['build', 'deploy'], dryRun: false },
    { type: 'phase:start', time: t, phase: 'build', index: 0, nodes: ['web1', 'web2'] },
    { type: 'node:start', time: t, phase: 'build', node: 'web1' },
    { type: 'node:start', time: t, phase: 'build', node: 'web2' },
    { type: 'step:start', time: t, step: build1, attempt: 1 },
    { type: 'step:start', time: t, step: build2, attempt: 1 },
    { type: 'step:output', time: t + 10, step: build1, stream: 'stdout', line: 'compiling <main> & "lib"' },
    { type: 'step:output', time: t + 10, step: build2, stream: 'stdout', line: 'compiling' },
    { type: 'step:end', time: t + 1200, step: build1, status: 'ok', durationMs: 1200 },
    { type: 'step:end', time: t + 1300, step: build2, status: 'ok', durationMs: 1300 },
    { type: 'step:start', time: t + 1300, step: test1, attempt: 1 },
    { type: 'step:start', time: t + 1300, step: test2, attempt: 1 },
    { type: 'step:output', time: t + 1400, step: test2, stream: 'stderr', line: 'assertion failed: 1 == 2' },
    { type: 'step:end', time: t + 1500, step: test1, status: 'ok', durationMs: 200, summary: '12 tests' },
    {
      type: 'step:end',
      time: t + 1500,
      step: test2,
      status: 'failed',
      durationMs: 200,
      error: { code: 'LS4001', message: 'step "test" on web2 (localhost): exit code 1: make test\nassertion failed: 1 == 2' },
    },
    { type: 'node:end', time: t + 1500, phase: 'build', node: 'web1', status: 'ok' },
    { type: 'node:end', time: t + 1500, phase: 'build', node: 'web2', status: 'failed', error: { code: 'LS4001', message: 'step "test" on web2 (localhost): exit code 1: make test' } },
    { type: 'phase:end', time: t + 1500, phase: 'build', status: 'failed', failedNodes: ['web2'] },
    {
      type: 'run:end',
      time: t + 1500,
      status: 'failed',
      durationMs: 1500,
      summary: {
        nodes: [
          { node: 'web1', ok: 2, failed: 0, skipped: 0, ignored: 0, status: 'ok' },
          { node: 'web2', ok: 1, failed: 1, skipped: 0, ignored: 0, status: 'failed', error: 'LS4001 step "test" on web2 (localhost): exit code 1: make test' },
        ],
      },
    },
  ];
}
