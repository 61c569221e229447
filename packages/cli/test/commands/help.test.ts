import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';

describe('lockstep --help', () => {
  it('lists every command with its description, grouped by category', async () => {
    const { exitCode, stdout } = await runCli(['--help']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('Playbooks:');
    for (const line of [
      'run a playbook on its nodes',
      'validate a playbook without running it',
      'run a shell command on the selected nodes',
      'list the installed plugins and what they contribute',
      'print the JSON Schema of playbooks, with the installed step types',
    ]) {
      expect(stdout).toContain(line);
    }
  });

  it('prints the same listing when no command is given', async () => {
    const [bare, help] = await Promise.all([runCli([]), runCli(['--help'])]);
    expect(bare.exitCode).toBe(0);
    expect(bare.stdout).toBe(help.stdout);
  });

  it('prints the version', async () => {
    const { exitCode, stdout } = await runCli(['--version']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it.each([
    ['run', ['--limit', '--forks', '--dry-run', '--vars', '--json', '--junit', '--plain', '$ lockstep run deploy.yml']],
    ['check', ['PLAYBOOK', '$ lockstep check deploy.yml']],
    ['exec', ['--inventory', '--playbook', '--nodes', '--forks', '--json', '$ lockstep exec']],
    ['plugins', ['--json', '$ lockstep plugins']],
    ['schema', ['--out', '$ lockstep schema']],
  ])('%s --help shows its options and examples', async (command, expected) => {
    const { exitCode, stdout } = await runCli([command, '--help']);
    expect(exitCode).toBe(0);
    for (const text of expected) expect(stdout).toContain(text);
  });

  it('answers an unknown command with exit code 2 and the closest commands', async () => {
    const { exitCode, stdout, stderr } = await runCli(['rnu', 'x.yml']);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Command not found');
  });

  it('rejects a bad option value with exit code 2 and the command usage', async () => {
    const { exitCode, stderr } = await runCli(['run', 'x.yml', '--forks', '0']);
    expect(exitCode).toBe(2);
    expect(stderr).toContain('--forks');
    expect(stderr).toContain('$ lockstep run');
  });

  it('rejects --json together with --plain', async () => {
    const { exitCode, stderr } = await runCli(['run', 'x.yml', '--json', '--plain']);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/json.*plain|mutually exclusive/i);
  });
});
