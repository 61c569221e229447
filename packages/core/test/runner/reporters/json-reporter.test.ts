import { describe, expect, it } from 'vitest';
import { createJsonReporter } from '../../../src/runner/reporters/json-reporter.js';
import { collect } from './collect.js';
import { failingRunEvents } from './events-fixture.js';

describe('createJsonReporter', () => {
  it('writes every event as one JSON line, unchanged', () => {
    const out = collect();
    const reporter = createJsonReporter(out.stream);
    const events = failingRunEvents();
    for (const event of events) reporter.handle(event);
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(events.length);
    expect(lines.map((line) => JSON.parse(line))).toEqual(events);
  });
});
