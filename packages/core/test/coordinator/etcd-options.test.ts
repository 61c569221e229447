import { describe, expect, it } from 'vitest';
import { normalizeEtcdBackendOptions } from '../../src/coordinator/etcd-options.js';
import { createCoordinatorBackend } from '../../src/coordinator/etcd-backend-config.js';

describe('normalizeEtcdBackendOptions', () => {
  it('adds the scheme, the default prefix and timeouts', () => {
    expect(normalizeEtcdBackendOptions({ endpoints: ['10.0.0.1:2379', 'https://etcd2:2379/'] })).toEqual({
      hosts: ['http://10.0.0.1:2379', 'https://etcd2:2379'],
      prefix: '/lockstep/',
      tls: undefined,
      requestTimeoutMs: 10_000,
      dialTimeoutMs: 10_000,
    });
  });

  it('uses https for bare endpoints when TLS files are given, and ends the prefix with /', () => {
    const o = normalizeEtcdBackendOptions({ endpoints: ['a:2379'], prefix: '/team-a', tls: { ca: '/etc/ca.pem' } });
    expect(o.hosts).toEqual(['https://a:2379']);
    expect(o.prefix).toBe('/team-a/');
  });

  it('names the option, the expectation and what it got', () => {
    expect(() => normalizeEtcdBackendOptions({ endpoints: [] })).toThrow('etcd endpoints must be a non-empty list of host:port, got [] (array)');
    expect(() => normalizeEtcdBackendOptions({ endpoints: ['no-port'] })).toThrow('etcd endpoint must be host:port or http(s)://host:port, got "no-port" (string)');
    expect(() => normalizeEtcdBackendOptions({ endpoints: ['a:1'], tls: { cert: 'c.pem' } })).toThrow('both a client certificate and its key');
    expect(() => normalizeEtcdBackendOptions({ endpoints: ['a:1'], requestTimeoutMs: 0 })).toThrow('requestTimeoutMs must be a positive number');
  });
});

describe('createCoordinatorBackend', () => {
  it('makes the in-memory backend by default', async () => {
    const backend = await createCoordinatorBackend();
    expect(backend.kind).toBe('memory');
    await backend.dispose();
  });

  it('refuses etcd without endpoints, and an etcd nobody answers at, with LS5010', async () => {
    await expect(createCoordinatorBackend({ backend: 'etcd' })).rejects.toMatchObject({ code: 'LS5010', message: expect.stringContaining('needs endpoints') });
    const unanswered = createCoordinatorBackend({ backend: 'etcd', endpoints: ['127.0.0.1:1'] });
    await expect(unanswered).rejects.toMatchObject({ code: 'LS5010', message: expect.stringContaining('etcd at http://127.0.0.1:1') });
  }, 30_000);
});
