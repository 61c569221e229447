import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * A known_hosts reader, hand-written: no maintained npm package parses the OpenSSH format with
 * hashed names (`|1|salt|hash`), `[host]:port` names, wildcards, negations and the
 * `@revoked` / `@cert-authority` markers (the `known_hosts` package was unpublished; `sshpk`
 * parses keys, not this file). The format is small and stable (sshd(8), "SSH_KNOWN_HOSTS FILE
 * FORMAT").
 */

/** One key line of a known_hosts file. */
export interface KnownHostEntry {
  /** `@revoked` keys are refused for every host; `@cert-authority` lines name CAs, not host keys. */
  marker: 'revoked' | 'cert-authority' | undefined;
  /** Comma-separated patterns (`web1,10.0.0.1`, `[h]:2222`, `*.lan`, `!bad.lan`), or one hashed name. */
  hosts: string;
  /** Key type as written, e.g. `ssh-ed25519`. */
  keyType: string;
  /** The key blob (SSH wire format), as ssh2 hands it to a host verifier. */
  key: Buffer;
  /** 1-based line number, for messages. */
  line: number;
}

/** What known_hosts says about a host's key. */
export type HostKeyVerdict =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'unknown' }
  | { status: 'mismatch'; expected: KnownHostEntry[] }
  | { status: 'revoked'; entry: KnownHostEntry };

/**
 * Parses known_hosts text. Comments, blank lines and malformed lines are skipped, as ssh does.
 *
 * @param text the file's content
 * @returns one entry per key line
 */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const name = fields.shift()!.slice(1);
      if (name !== 'revoked' && name !== 'cert-authority') return;
      marker = name;
    }
    const [hosts, keyType, keyText] = fields;
    if (hosts === undefined || keyType === undefined || keyText === undefined) return;
    const key = Buffer.from(keyText, 'base64');
    if (key.length === 0) return;
    entries.push({ marker, hosts, keyType, key, line: index + 1 });
  });
  return entries;
}

/**
 * The name ssh looks up for a host: the bare host on port 22, `[host]:port` otherwise.
 *
 * @param host host name or address (lower-cased, as ssh does)
 * @param port TCP port
 * @returns the lookup name
 */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/**
 * Tells whether an entry's host field names `lookupName`: a hashed name matches by HMAC-SHA1,
 * patterns by ssh's wildcards (`*`, `?`); a matching negated pattern (`!x`) excludes the host.
 *
 * @param hosts the entry's host field
 * @param lookupName from {@link knownHostsName}
 * @returns true when the entry applies to the host
 */
export function hostFieldMatches(hosts: string, lookupName: string): boolean {
  if (hosts.startsWith('|1|')) return hashedNameMatches(hosts, lookupName);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    const body = (negated ? pattern.slice(1) : pattern).toLowerCase();
    if (!wildcardMatch(body, lookupName)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/**
 * Checks a host's key against known_hosts entries, as ssh's StrictHostKeyChecking does: a
 * revoked key is refused outright; a listed key is known; a host listed only with other keys is a
 * mismatch (possibly an attack); a host not listed at all is unknown.
 *
 * @param entries parsed known_hosts
 * @param host host name or address that was dialled
 * @param port TCP port
 * @param key the key blob the server presented
 * @returns the verdict
 */
export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const name = knownHostsName(host, port);
  const forHost = entries.filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name));
  const match = forHost.find((e) => e.key.equals(key));
  if (match) return { status: 'known', entry: match };
  return forHost.length === 0 ? { status: 'unknown' } : { status: 'mismatch', expected: forHost };
}

/**
 * Key types known_hosts lists for a host, in file order: the SSH client should ask the server for
 * one of these first, as OpenSSH does, so a host with several keys is not reported as a mismatch.
 *
 * @param entries parsed known_hosts
 * @param host host name or address
 * @param port TCP port
 * @returns distinct key types
 */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  const types = entries.filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name)).map((e) => e.keyType);
  return [...new Set(types)];
}

/**
 * Formats the line `accept-new` appends for a host key. Names stay in plain text (like
 * `ssh-keyscan` without `-H`), so users can read and edit the file.
 *
 * @param host host name or address
 * @param port TCP port
 * @param key the key blob the server presented
 * @returns one known_hosts line, with a newline
 */
export function formatKnownHostsLine(host: string, port: number, key: Buffer): string {
  return `${knownHostsName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}\n`;
}

/**
 * Hashes a host name the way `ssh-keygen -H` does: `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
 *
 * @param lookupName from {@link knownHostsName}
 * @param salt 20 random bytes unless given (tests pass one)
 * @returns the hashed host field
 */
export function hashKnownHostsName(lookupName: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(lookupName).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

/**
 * Reads the key type from a key blob: its first SSH string.
 *
 * @param key the key blob
 * @returns the key type, e.g. `ssh-ed25519`
 */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + length).toString('latin1');
}

function hashedNameMatches(field: string, lookupName: string): boolean {
  const [, , saltText, hashText] = field.split('|');
  if (saltText === undefined || hashText === undefined) return false;
  const expected = Buffer.from(hashText, 'base64');
  const actual = createHmac('sha1', Buffer.from(saltText, 'base64')).update(lookupName).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function wildcardMatch(pattern: string, text: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === text;
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${source}$`).test(text);
}
