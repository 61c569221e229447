import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'lockstep-cli-schema-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('lockstep schema', () => {
  it('prints a JSON Schema that knows the installed step types', async () => {
    const { exitCode, stdout } = await runCli(['schema']);
    expect(exitCode).toBe(0);
    const schema = JSON.parse(stdout) as Record<string, unknown>;
    expect(schema.type).toBe('object');
    // The run step's own description is in the schema, wherever the step definitions live.
    expect(stdout).toContain('"run"');
    expect(stdout).toContain('Runs a shell command');
  });

  it('writes the schema to --out', async () => {
    const { exitCode, stdout } = await runCli(['schema', '--out', 'nested/schema.json'], { cwd: work });
    expect(exitCode).toBe(0);
    expect(stdout).toContain('nested/schema.json');
    const schema = JSON.parse(await readFile(join(work, 'nested/schema.json'), 'utf8')) as Record<string, unknown>;
    expect(schema.type).toBe('object');
  });
});
