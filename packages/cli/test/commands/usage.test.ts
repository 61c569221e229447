import { describe, expect, it } from 'vitest';
import { createCli } from '../../src/cli.js';
import { runCli } from '../run-cli.js';

// Every built-in command, including those other modules add to commands/index.ts.
const definitions = createCli()
  .definitions()
  .filter((d) => !/ (-h|--help|-v|--version)$/.test(d.path));

describe.each(definitions.map((d) => [d.path, d] as const))('%s', (path, definition) => {
  it('has a category, a lowercase one-line description, details and an example', () => {
    expect(definition.category?.trim()).toBeTruthy();
    const description = definition.description?.trim() ?? '';
    expect(description).toMatch(/^[a-z]/);
    expect(description).not.toContain('\n');
    expect(definition.details?.trim()).toBeTruthy();
    expect(definition.examples?.length ?? 0).toBeGreaterThan(0);
  });

  it('answers --help with its usage and exit code 0', async () => {
    const { exitCode, stdout } = await runCli([...path.split(' ').slice(1), '--help']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain(`$ ${path}`);
  });
});
