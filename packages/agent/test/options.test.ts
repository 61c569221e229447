import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeAgentOptions } from '../src/options.js';

const base = mkdtempSync(join(tmpdir(), 'lockstep-agent-options-'));

describe('normalizeAgentOptions', () => {
  it('defaults to loopback, TTL 1 and makuosan-like but faster timings', () => {
    const o = normalizeAgentOptions({ base, control: 'unix:/tmp/x.sock' });
    expect(o).toMatchObject({ interface: '127.0.0.1', ttl: 1, announceIntervalMs: 2000, memberTimeoutMs: 10_000, retryIntervalMs: 250, maxRetries: 40, key: undefined });
    expect(o.group).toEqual({ address: '239.192.76.83', port: 7683 });
  });

  it('refuses a non-loopback interface or TCP control address without a key (LS6002)', () => {
    expect(() => normalizeAgentOptions({ base, interface: '10.0.0.5', control: 'unix:/tmp/x.sock' })).toThrow(expect.objectContaining({ code: 'LS6002' }));
    expect(() => normalizeAgentOptions({ base, control: 'tcp:0.0.0.0:7700' })).toThrow(expect.objectContaining({ code: 'LS6002' }));
    const key = join(base, 'key');
    writeFileSync(key, 'a passphrase');
    expect(normalizeAgentOptions({ base, key, interface: '10.0.0.5', control: ['unix:/tmp/x.sock', 'tcp:10.0.0.5:7700'] }).control).toHaveLength(2);
  });

  it('names a bad option (LS6004)', () => {
    expect(() => normalizeAgentOptions({ base: join(base, 'missing') })).toThrow(expect.objectContaining({ code: 'LS6004' }));
    expect(() => normalizeAgentOptions({ base, group: '10.1.1.1:5' })).toThrow(expect.objectContaining({ code: 'LS6004' }));
    expect(() => normalizeAgentOptions({ base, ttl: 300 })).toThrow(/ttl/);
  });

  it('lets datagrams grow to 60000 file bytes unless told otherwise, never below chunk-bytes', () => {
    expect(normalizeAgentOptions({ base, chunkBytes: 1364 })).toMatchObject({ chunkBytes: 1364, datagramBytes: 60_000 });
    expect(normalizeAgentOptions({ base, chunkBytes: 1364, datagramBytes: 1364 }).datagramBytes).toBe(1364);
    expect(() => normalizeAgentOptions({ base, chunkBytes: 8864, datagramBytes: 4000 })).toThrow(/datagram-bytes/);
    expect(() => normalizeAgentOptions({ base, datagramBytes: 70_000 })).toThrow(/datagram-bytes/);
  });
});
