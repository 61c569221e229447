import { describe, expect, it } from 'vitest';
import { nodeFromAddress } from '../src/host-address.js';

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
