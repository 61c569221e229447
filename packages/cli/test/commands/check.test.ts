import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe('lockstep check', () => {
  it('prints the counts of a valid playbook and exits with 0', async () => {
    const { exitCode, stdout, stderr } = await runCli(['check', 'local.yml'], { cwd: fixtures });
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout).toBe('ok: 2 nodes, 2 phases, 3 steps\n');
  });

  it('prints each problem as file:line:col with its code, no stack, and exits with 2', async () => {
    const { exitCode, stdout, stderr } = await runCli(['check', 'bad.yml'], { cwd: fixtures });
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^LS1001 /);
    expect(stderr).toMatch(/bad\.yml:7:14: .*42/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('says which file it could not read', async () => {
    const { exitCode, stderr } = await runCli(['check', 'missing.yml'], { cwd: fixtures });
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^LS1002 .*missing\.yml/);
  });
});
