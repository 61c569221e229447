import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/runner/events.js';
import { createJunitReporter } from '../../../src/runner/reporters/junit-reporter.js';
import { failingRunEvents } from './events-fixture.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lockstep-junit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function report(events: RunEvent[]) {
  const file = join(dir, 'nested', 'junit.xml');
  const reporter = createJunitReporter(file);
  for (const event of events) reporter.handle(event);
  await reporter.finish();
  const xml = await readFile(file, 'utf8');
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase'].includes(name) }).parse(xml);
  return { xml, suites: parsed.testsuites.testsuite as Array<Record<string, any>> };
}

describe('createJunitReporter', () => {
  it('writes valid XML: a suite per phase, a case per node and step, failures with the stderr tail', async () => {
    const { xml, suites } = await report(failingRunEvents());
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(suites.map((s) => s.name)).toEqual(['build']);
    const build = suites[0]!;
    expect(build).toMatchObject({ tests: '4', failures: '1', skipped: '0' });
    const cases = build.testcase.map((c: Record<string, any>) => `${c.classname}/${c.name}`);
    expect(cases).toEqual(['web1/compile', 'web2/compile', 'web1/test', 'web2/test']);
    const failed = build.testcase[3];
    expect(failed.failure.message).toBe('LS4001 step "test" on web2 (localhost): exit code 1: make test');
    expect(failed.failure['#text']).toContain('assertion failed: 1 == 2');
    expect(build.testcase[0]['system-out']).toBe('compiling <main> & "lib"');
    expect(build.testcase[0].time).toBe('1.200');
  });

  it('marks skipped and cancelled steps, and passes an ignored failure with its error', async () => {
    const t = 0;
    const step = (index: number, label: string) => ({ phase: 'p', node: 'n1', index, label, type: 'run' });
    const { xml, suites } = await report([
      { type: 'run:start', time: t, runId: 'r', playbook: 'x.yml', name: 'x', nodes: ['n1'], phases: ['p'], dryRun: false },
      { type: 'phase:start', time: t, phase: 'p', index: 0, nodes: ['n1'] },
      { type: 'step:end', time: t, step: step(0, 'maybe'), status: 'skipped', durationMs: 0 },
      { type: 'step:start', time: t, step: step(1, 'flaky'), attempt: 1 },
      { type: 'step:output', time: t, step: step(1, 'flaky'), stream: 'stderr', line: 'oops \u0007' },
      { type: 'step:end', time: t, step: step(1, 'flaky'), status: 'ignored', durationMs: 5, error: { code: 'LS4001', message: 'exit 1' } },
      { type: 'step:start', time: t, step: step(2, 'slow'), attempt: 1 },
      { type: 'step:end', time: t, step: step(2, 'slow'), status: 'cancelled', durationMs: 5 },
      { type: 'phase:end', time: t + 10, phase: 'p', status: 'cancelled', failedNodes: [] },
    ]);
    expect(XMLValidator.validate(xml)).toBe(true);
    const [skipped, ignored, cancelled] = suites[0]!.testcase;
    expect(skipped.skipped).toEqual({ message: 'skipped' });
    expect(ignored.failure).toBeUndefined();
    expect(ignored.skipped).toBeUndefined();
    expect(ignored['system-err']).toBe('ignored: LS4001 exit 1\noops');
    expect(cancelled.skipped).toEqual({ message: 'cancelled' });
    expect(suites[0]).toMatchObject({ tests: '3', failures: '0', skipped: '2' });
  });

  it('writes the file once even when finish() is called twice', async () => {
    const file = join(dir, 'once.xml');
    const reporter = createJunitReporter(file);
    await reporter.finish();
    await reporter.finish();
    expect(XMLValidator.validate(await readFile(file, 'utf8'))).toBe(true);
  });
});
