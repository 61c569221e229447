import { describe, expect, it } from 'vitest';
import { createInteractiveReporter } from '../../../src/runner/reporters/interactive-reporter.js';
import { collect } from './collect.js';
import { failingRunEvents } from './events-fixture.js';

// Under test stdout is not a terminal, so listr2 renders with its line-based fallback; what is
// checked is the task tree the events build (phases, nodes, steps) and the summary at the end.
describe('createInteractiveReporter', () => {
  it('shows phases, nodes and planned steps, the failure, a phase that never ran, and the summary', async () => {
    const out = collect();
    const reporter = createInteractiveReporter(out.stream, {
      plan: [
        { name: 'build', steps: ['compile', 'test'] },
        { name: 'deploy', steps: ['upload'] },
      ],
    });
    for (const event of failingRunEvents()) reporter.handle(event);
    await reporter.finish();
    const text = out.text();
    expect(text).toContain('build');
    expect(text).toContain('web1');
    expect(text).toContain('compile');
    expect(text).toContain('LS4001 step "test" on web2 (localhost): exit code 1: make test');
    expect(text).toContain('deploy (not run)');
    expect(text).toMatch(/node {2}ok {2}failed {2}skipped {2}status/);
    expect(text.trimEnd().endsWith('run failed in 1.50s')).toBe(true);
  });

  it('finishes without a plan, and when the run ends with steps still running', async () => {
    const out = collect();
    const reporter = createInteractiveReporter(out.stream);
    const events = failingRunEvents();
    // Cut the run short after the first steps started: as an interrupted run looks.
    for (const event of events.slice(0, 6)) reporter.handle(event);
    reporter.handle({ type: 'run:end', time: 0, status: 'interrupted', durationMs: 10, summary: { nodes: [] } });
    await reporter.finish();
    expect(out.text()).toContain('run interrupted in 10ms');
  });
});
