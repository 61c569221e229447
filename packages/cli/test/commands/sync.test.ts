import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';

describe('lockstep sync command line', () => {
  it.each([
    [['-o', 'web1', '-U', '--', 'f'], /--upload needs --root/],
    [['-o', 'web1', '-L', '-U', '-r', '/x'], /mutually exclusive|used together|exclusive/i],
    [['-o', 'web1', '-p', '-C', '--', 'true'], /password authentication is not supported/],
    [['-o', 'web1', '-m', '-C', '--', 'true'], /--simple needs --sync-cmd/],
    [['-C', '--', 'true'], /no hosts/],
    [['-o', 'web1', '--conn-timeout', 'soon', '-C', '--', 'true'], /conn-timeout/],
  ])('refuses %j with a usage error (exit 2)', async (args, message) => {
    const result = await runCli(['sync', ...args]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout + result.stderr).toMatch(message);
  });
});
