import { describe, expect, it } from 'vitest';
import { nodeFromAddress } from '../../src/commands/sync.js';
import { runCli } from '../run-cli.js';

const defaults = { user: 'me', identityFile: undefined, connectTimeoutMs: 10_000, keepaliveIntervalMs: 10_000 };

describe('nodeFromAddress', () => {
  it('reads orgalorg host forms: host, user@host, host:port, [v6]:port', () => {
    expect(nodeFromAddress('web1', defaults)).toMatchObject({ name: 'web1', host: 'web1', ssh: { user: 'me' } });
    expect(nodeFromAddress('deploy@web2:2222', defaults)).toMatchObject({ name: 'deploy@web2:2222', host: 'web2', port: 2222, ssh: { user: 'deploy' } });
    expect(nodeFromAddress('[::1]:22', defaults)).toMatchObject({ host: '::1', port: 22 });
  });

  it('refuses what is not an address', () => {
    expect(() => nodeFromAddress('a b', defaults)).toThrow(/expected \[user@\]host\[:port\]/);
    expect(() => nodeFromAddress('web:99999', defaults)).toThrow(/port out of range/);
  });
});

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
