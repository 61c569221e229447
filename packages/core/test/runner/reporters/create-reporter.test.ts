import { describe, expect, it } from 'vitest';
import { createReporter } from '../../../src/runner/reporters/create-reporter.js';
import { collect } from './collect.js';
import { failingRunEvents } from './events-fixture.js';

describe('createReporter', () => {
  it('makes the plain and json reporters', async () => {
    const plain = collect();
    const json = collect();
    const a = await createReporter('plain', plain.stream);
    const b = await createReporter('json', json.stream);
    const [first] = failingRunEvents();
    a.handle(first!);
    b.handle(first!);
    expect(plain.text()).toBe('site (site.yml): 2 nodes, 2 phases\n');
    expect(JSON.parse(json.text())).toEqual(first);
  });

  it('names the kinds it knows when given another', async () => {
    await expect(createReporter('fancy' as 'plain', collect().stream)).rejects.toThrow(
      'reporter kind must be "interactive", "plain" or "json", got "fancy" (string)',
    );
  });
});
