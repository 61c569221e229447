import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectionError } from '../../src/errors/connection-error.js';
import type { NodeSpec } from '../../src/playbook/model.js';
import { expandHome, resolveSshTarget } from '../../src/transports/ssh-target.js';

const dir = mkdtempSync(join(tmpdir(), 'lockstep-ssh-target-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sshNode(host: string, ssh: Partial<NodeSpec['ssh']> = {}, port?: number): NodeSpec {
  return {
    name: 'web1',
    connection: 'ssh',
    host,
    port,
    labels: {},
    vars: {},
    ssh: { strictHostKeyChecking: 'yes', connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000, ...ssh },
  };
}

const configFile = join(dir, 'config');
writeFileSync(
  configFile,
  [
    'Host web-*',
    '  HostName %h.internal',
    '  User deploy',
    '  IdentityFile ~/.ssh/web_key',
    'Host db',
    '  HostName 10.0.0.5',
    '  Port 2222',
    '  IdentityFile %d/.ssh/db_key',
    '  UserKnownHostsFile ~/.ssh/known_hosts_db',
    'Host *',
    '  User fallback',
    '',
  ].join('\n'),
);

describe('resolveSshTarget', () => {
  it('applies a Host alias: HostName, Port, IdentityFile (with %d), UserKnownHostsFile', async () => {
    const target = await resolveSshTarget(sshNode('db', { configFile }), {});
    expect(target).toMatchObject({
      host: '10.0.0.5',
      port: 2222,
      user: 'fallback',
      address: '10.0.0.5:2222',
      identityFiles: [join(homedir(), '.ssh/db_key')],
      identityExplicit: true,
      knownHostsFile: join(homedir(), '.ssh/known_hosts_db'),
    });
  });

  it('matches wildcard hosts and expands %h', async () => {
    const target = await resolveSshTarget(sshNode('web-3', { configFile }), {});
    expect(target).toMatchObject({ host: 'web-3.internal', port: 22, user: 'deploy', identityFiles: [join(homedir(), '.ssh/web_key')] });
  });

  it('lets the playbook win over the config, as ssh command-line flags do', async () => {
    const target = await resolveSshTarget(sshNode('db', { configFile, user: 'ops', identityFile: '~/k', knownHostsFile: '/kh' }, 2200), {});
    expect(target).toMatchObject({ port: 2200, user: 'ops', identityFiles: [join(homedir(), 'k')], knownHostsFile: '/kh' });
  });

  it('falls back to the local user, port 22 and the default keys', async () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    const target = await resolveSshTarget(sshNode('10.1.1.1', { configFile: empty }), {});
    expect(target).toMatchObject({ host: '10.1.1.1', port: 22, user: userInfo().username, identityExplicit: false, agentSocket: undefined });
    expect(target.identityFiles[0]).toBe(join(homedir(), '.ssh/id_ed25519'));
    expect(target.knownHostsFile).toBe(join(homedir(), '.ssh/known_hosts'));
  });

  it('uses the agent when SSH_AUTH_SOCK is set unless agent is false', async () => {
    const env = { SSH_AUTH_SOCK: '/tmp/agent.sock' };
    expect((await resolveSshTarget(sshNode('x', { configFile }), env)).agentSocket).toBe('/tmp/agent.sock');
    expect((await resolveSshTarget(sshNode('x', { configFile, agent: false }), env)).agentSocket).toBeUndefined();
  });

  it('reports a config file the playbook names but that does not exist', async () => {
    const error = await resolveSshTarget(sshNode('x', { configFile: join(dir, 'nope') }), {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).message).toMatch(/^web1 \(x:22\): cannot read ssh config .*nope/);
  });
});

describe('expandHome', () => {
  it('expands ~ and ~/ only', () => {
    expect(expandHome('~', '/h')).toBe('/h');
    expect(expandHome('~/a/b', '/h')).toBe('/h/a/b');
    expect(expandHome('/x/~/y', '/h')).toBe('/x/~/y');
  });
});
