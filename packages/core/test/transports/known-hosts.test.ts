import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  formatKnownHostsLine,
  hashKnownHostsName,
  hostFieldMatches,
  keyTypeOf,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from '../../src/transports/known-hosts.js';

// Two real ed25519 public keys and a file hashed by OpenSSH's own `ssh-keygen -H`, so hashed-name
// matching is checked against OpenSSH rather than against our own hash function.
const KEY1 = 'AAAAC3NzaC1lZDI1NTE5AAAAIE/aqTOCZUrFu4XzbWQEffudDqsibexpX8eXKJFaQAb5';
const KEY2 = 'AAAAC3NzaC1lZDI1NTE5AAAAIK4vcGlvzVJUR6DagxR46Qw49l0R1czEaLpfQhc7z6h0';
const key1 = Buffer.from(KEY1, 'base64');
const key2 = Buffer.from(KEY2, 'base64');
const HASHED_BY_OPENSSH = [
  `|1|ZcZ47yMOVSk1lqTwc9cd7BxVL8M=|ciBQSehh2u9UXnRtevlFkUarR1Q= ssh-ed25519 ${KEY1}`, // [web1.example]:2222
  `|1|SfqsiBIY3GzHIFqZw5nlsRuIUWs=|A72NK8xwjG9DVh8kYjpBTvD7YpQ= ssh-ed25519 ${KEY2}`, // web2.example
].join('\n');

describe('parseKnownHosts', () => {
  it('reads plain, bracketed and marked lines and skips comments, blanks and junk', () => {
    const entries = parseKnownHosts(
      [
        '# a comment',
        '',
        `web1,10.0.0.1 ssh-ed25519 ${KEY1} root@web1`,
        `[10.0.0.2]:2222 ssh-ed25519 ${KEY2}`,
        `@revoked * ssh-ed25519 ${KEY2}`,
        `@cert-authority *.lan ssh-ed25519 ${KEY1}`,
        `@unknown-marker web1 ssh-ed25519 ${KEY1}`,
        'onlyonefield',
      ].join('\n'),
    );
    expect(entries.map((e) => [e.marker, e.hosts, e.keyType, e.line])).toEqual([
      [undefined, 'web1,10.0.0.1', 'ssh-ed25519', 3],
      [undefined, '[10.0.0.2]:2222', 'ssh-ed25519', 4],
      ['revoked', '*', 'ssh-ed25519', 5],
      ['cert-authority', '*.lan', 'ssh-ed25519', 6],
    ]);
    expect(entries[0]!.key.equals(key1)).toBe(true);
  });
});

describe('host matching', () => {
  it('uses the bare name on port 22 and [host]:port elsewhere', () => {
    expect(knownHostsName('Web1', 22)).toBe('web1');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('matches comma lists, wildcards and negations', () => {
    expect(hostFieldMatches('web1,10.0.0.1', '10.0.0.1')).toBe(true);
    expect(hostFieldMatches('web1,10.0.0.1', 'web2')).toBe(false);
    expect(hostFieldMatches('*.lan', 'db.lan')).toBe(true);
    expect(hostFieldMatches('web?', 'web7')).toBe(true);
    expect(hostFieldMatches('*.lan,!bad.lan', 'bad.lan')).toBe(false);
    expect(hostFieldMatches('[10.0.0.2]:2222', '[10.0.0.2]:2222')).toBe(true);
    expect(hostFieldMatches('[10.0.0.2]:2222', '10.0.0.2')).toBe(false);
  });

  it('matches names hashed by ssh-keygen -H, with the port form', () => {
    const entries = parseKnownHosts(HASHED_BY_OPENSSH);
    expect(checkHostKey(entries, 'web1.example', 2222, key1).status).toBe('known');
    expect(checkHostKey(entries, 'web2.example', 22, key2).status).toBe('known');
    expect(checkHostKey(entries, 'web1.example', 22, key1).status).toBe('unknown');
    expect(checkHostKey(entries, 'web2.example', 22, key1).status).toBe('mismatch');
  });

  it('hashes names the way OpenSSH does', () => {
    const salt = Buffer.from('ZcZ47yMOVSk1lqTwc9cd7BxVL8M=', 'base64');
    expect(hashKnownHostsName('[web1.example]:2222', salt)).toBe('|1|ZcZ47yMOVSk1lqTwc9cd7BxVL8M=|ciBQSehh2u9UXnRtevlFkUarR1Q=');
  });
});

describe('checkHostKey', () => {
  const entries = parseKnownHosts(
    [`[127.0.0.1]:2222 ssh-ed25519 ${KEY1}`, `web ssh-ed25519 ${KEY1}`, `web ecdsa-sha2-nistp256 AAAA`, `@cert-authority * ssh-ed25519 ${KEY2}`].join('\n'),
  );

  it('knows a listed key', () => {
    const verdict = checkHostKey(entries, '127.0.0.1', 2222, key1);
    expect(verdict).toMatchObject({ status: 'known', entry: { line: 1 } });
  });

  it('reports a different key for a listed host as a mismatch, naming what was expected', () => {
    const verdict = checkHostKey(entries, '127.0.0.1', 2222, key2);
    expect(verdict.status).toBe('mismatch');
    expect(verdict.status === 'mismatch' && verdict.expected.map((e) => e.line)).toEqual([1]);
  });

  it('reports an unlisted host as unknown; a CA line is not a host key', () => {
    expect(checkHostKey(entries, '127.0.0.1', 2223, key1).status).toBe('unknown');
    expect(checkHostKey(entries, 'other', 22, key2).status).toBe('unknown');
  });

  it('refuses a revoked key even for a host that lists it', () => {
    const withRevoked = [...entries, ...parseKnownHosts(`@revoked * ssh-ed25519 ${KEY1}`)];
    expect(checkHostKey(withRevoked, '127.0.0.1', 2222, key1).status).toBe('revoked');
  });

  it('lists the key types known for a host, for algorithm negotiation', () => {
    expect(knownKeyTypes(entries, 'web', 22)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
  });
});

describe('formatKnownHostsLine', () => {
  it('writes a line that reads back as the same host and key', () => {
    const line = formatKnownHostsLine('127.0.0.1', 2200, key2);
    expect(line).toBe(`[127.0.0.1]:2200 ssh-ed25519 ${KEY2}\n`);
    expect(checkHostKey(parseKnownHosts(line), '127.0.0.1', 2200, key2).status).toBe('known');
    expect(keyTypeOf(key2)).toBe('ssh-ed25519');
  });
});
