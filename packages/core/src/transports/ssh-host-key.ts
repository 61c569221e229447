import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConnectionError } from '../errors/connection-error.js';
import { checkHostKey, formatKnownHostsLine, keyTypeOf, knownHostsName, knownKeyTypes, parseKnownHosts, type KnownHostEntry } from './known-hosts.js';
import type { SshTarget } from './ssh-target.js';

/** ssh2's default host key algorithms, most preferred first (ssh2 1.x). */
const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** A host key check for one connection attempt: what to tell ssh2 and what went wrong. */
export interface HostKeyCheck {
  /** Host key algorithms in the order to offer them: those known_hosts lists for the host first. */
  algorithms: string[];
  /** ssh2's `hostVerifier`, given the raw key blob. Never prompts. */
  verify(key: Buffer, done: (accept: boolean) => void): void;
  /** Set when `verify` refused the key: the error to report instead of ssh2's generic one. */
  readonly rejection: ConnectionError | undefined;
}

/**
 * Builds the host key check for a connection: strict by default (unknown and changed keys are
 * refused with an error saying what to do), `accept-new` records an unknown key in known_hosts
 * and still refuses a changed one, as OpenSSH does.
 *
 * @param nodeName node name, for messages
 * @param target the resolved target (host, port, known_hosts file, policy)
 * @returns the check
 */
export async function createHostKeyCheck(nodeName: string, target: SshTarget): Promise<HostKeyCheck> {
  let entries: KnownHostEntry[] = [];
  try {
    entries = parseKnownHosts(await readFile(target.knownHostsFile, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const preferred = knownKeyTypes(entries, target.host, target.port).flatMap((type) =>
    type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type],
  );
  const algorithms = [...new Set([...preferred.filter((a) => DEFAULT_HOST_KEY_ALGORITHMS.includes(a)), ...DEFAULT_HOST_KEY_ALGORITHMS])];
  const name = knownHostsName(target.host, target.port);
  const refuse = (reason: 'host-key-mismatch' | 'host-key-unknown', detail: string) =>
    new ConnectionError(nodeName, target.address, reason, detail);

  let rejection: ConnectionError | undefined;
  return {
    algorithms,
    get rejection() {
      return rejection;
    },
    verify(key, done) {
      const verdict = checkHostKey(entries, target.host, target.port, key);
      const shown = `${keyTypeOf(key)} ${fingerprint(key)}`;
      switch (verdict.status) {
        case 'known':
          return done(true);
        case 'revoked':
          rejection = refuse(
            'host-key-mismatch',
            `HOST KEY REVOKED: the key ${shown} is marked @revoked in ${target.knownHostsFile}:${verdict.entry.line}`,
          );
          return done(false);
        case 'mismatch': {
          const lines = verdict.expected.map((e) => `${target.knownHostsFile}:${e.line}`).join(', ');
          rejection = refuse(
            'host-key-mismatch',
            `HOST KEY MISMATCH: the host presented ${shown}, which is not the key listed at ${lines}. ` +
              `Someone may be intercepting the connection; if the host was reinstalled, remove the old key with ` +
              `ssh-keygen -R '${name}' -f ${target.knownHostsFile}`,
          );
          return done(false);
        }
        case 'unknown':
          if (target.strictHostKeyChecking !== 'accept-new') {
            rejection = refuse(
              'host-key-unknown',
              `host key unknown, add it with ssh-keyscan or set strictHostKeyChecking: accept-new ` +
                `(the host presented ${shown}; known_hosts file: ${target.knownHostsFile})`,
            );
            return done(false);
          }
          // Recorded before accepting, so a host is never trusted without being written down.
          mkdir(dirname(target.knownHostsFile), { recursive: true, mode: 0o700 })
            .then(() => appendFile(target.knownHostsFile, formatKnownHostsLine(target.host, target.port, key), { mode: 0o600 }))
            .then(
              () => {
                entries.push(...parseKnownHosts(formatKnownHostsLine(target.host, target.port, key)));
                done(true);
              },
              (error: Error) => {
                rejection = new ConnectionError(
                  nodeName,
                  target.address,
                  'host-key-unknown',
                  `host key unknown and could not be recorded in ${target.knownHostsFile}: ${error.message}`,
                  { cause: error },
                );
                done(false);
              },
            );
      }
    },
  };
}

/**
 * The SHA256 fingerprint of a key blob, as `ssh-keygen -l` prints it.
 *
 * @param key the key blob
 * @returns `SHA256:…`
 */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}
