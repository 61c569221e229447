import { describe, expect, it } from 'vitest';
import { createPlainReporter } from '../../../src/runner/reporters/plain-reporter.js';
import { collect } from './collect.js';
import { failingRunEvents } from './events-fixture.js';

describe('createPlainReporter', () => {
  it('prints one line per event, output prefixed with the node, then the summary table', async () => {
    const out = collect();
    const reporter = createPlainReporter(out.stream);
    for (const event of failingRunEvents()) reporter.handle(event);
    await reporter.finish();
    const lines = out.text().split('\n');
    expect(lines[0]).toBe('site (site.yml): 2 nodes, 2 phases');
    expect(lines).toContain('[build] start on web1, web2');
    expect(lines).toContain('web1 | compiling <main> & "lib"');
    expect(lines).toContain('web2 | assertion failed: 1 == 2');
    expect(lines).toContain('[build] web1: compile ok (1.20s)');
    expect(lines).toContain('[build] web1: test ok (200ms) - 12 tests');
    // The error's stderr tail was already printed as output lines; the step line keeps the reason.
    expect(lines).toContain('[build] web2: test failed (200ms): LS4001 step "test" on web2 (localhost): exit code 1: make test');
    expect(lines).toContain('[build] failed (failed: web2)');
    const table = lines.indexOf('node  ok  failed  skipped  status  error');
    expect(table).toBeGreaterThan(0);
    expect(lines[table + 1]).toBe('web1   2       0        0  ok');
    expect(lines[table + 2]).toBe('web2   1       1        0  failed  LS4001 step "test" on web2 (localhost): exit code 1: make test');
    expect(lines.at(-2)).toBe('run failed in 1.50s');
  });

  it('writes no ANSI codes unless asked to colour', async () => {
    const plain = collect();
    const colored = collect();
    const a = createPlainReporter(plain.stream);
    const b = createPlainReporter(colored.stream, { color: true });
    for (const event of failingRunEvents()) {
      a.handle(event);
      b.handle(event);
    }
    expect(plain.text()).not.toMatch(/\u001b\[/);
    expect(colored.text()).toMatch(/\u001b\[31mfailed/);
  });

  it('leaves the summary out when told to', () => {
    const out = collect();
    const reporter = createPlainReporter(out.stream, { summary: false });
    for (const event of failingRunEvents()) reporter.handle(event);
    expect(out.text()).not.toContain('node  ok');
  });

  it('rejects a tail length that is not a positive integer', () => {
    expect(() => createPlainReporter(collect().stream, { tailLines: 0 })).toThrow(/tailLines.*positive integer, got 0 \(number\)/);
  });
});
