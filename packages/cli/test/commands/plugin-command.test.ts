import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';

const plugin = fileURLToPath(new URL('../fixtures/plugins/hello', import.meta.url));

describe('commands contributed by plugins', () => {
  it('runs the contribution whose path starts the command line, with the remaining words', async () => {
    const { exitCode, stdout } = await runCli(['hello', 'world', 'a', 'b'], { cwd: '/tmp', pluginDirs: [plugin] });
    expect(exitCode).toBe(0);
    expect(stdout).toBe('hello a b from /tmp\n');
  });

  it('returns the handler exit code', async () => {
    const { exitCode } = await runCli(['hello', 'world', '--fail'], { pluginDirs: [plugin] });
    expect(exitCode).toBe(3);
  });

  it('is listed by lockstep plugins', async () => {
    const { stdout } = await runCli(['plugins'], { pluginDirs: [plugin] });
    expect(stdout).toContain('command lockstep hello world: say hello');
  });

  it('leaves an unknown command a usage error when no plugin matches', async () => {
    const { exitCode, stderr } = await runCli(['hello', 'there'], { pluginDirs: [plugin] });
    expect(exitCode).toBe(2);
    expect(stderr).toContain('Command not found');
  });
});
