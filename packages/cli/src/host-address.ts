import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from 'clipanion';
import type { NodeSpec } from '@lockstep/core';

/**
 * The plugins `lockstep sync` and `lockstep lock-cluster` build their runs from, found next to
 * the CLI whatever the working directory.
 *
 * @returns absolute plugin directories
 */
export function orgalorgPluginDirs(): string[] {
  return ['@lockstep/plugin-flock-lock', '@lockstep/plugin-ssh-tar-upload', '@lockstep/plugin-sync-protocol'].map((name) =>
    dirname(fileURLToPath(import.meta.resolve(`${name}/package.json`))),
  );
}

/**
 * Parses `[user@]host[:port]` (IPv6 as `[addr]:port`) into a node named after the address.
 *
 * @param word the address as the user wrote it
 * @param defaults user, key, timeouts
 * @returns the node
 * @throws {UsageError} for an empty host or a bad port
 */
export function nodeFromAddress(
  word: string,
  defaults: { user: string; identityFile: string | undefined; knownHostsFile?: string | undefined; connectTimeoutMs: number; keepaliveIntervalMs: number },
): NodeSpec {
  const match = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:\s@]+)(?::(\d+))?$/.exec(word.trim());
  if (!match) throw new UsageError(`--host: expected [user@]host[:port], got ${JSON.stringify(word)}`);
  const port = match[3] === undefined ? undefined : Number(match[3]);
  if (port !== undefined && (port < 1 || port > 65535)) throw new UsageError(`--host: port out of range in ${JSON.stringify(word)}`);
  const host = match[2]!.replace(/^\[(.*)\]$/, '$1');
  return {
    name: word.trim(),
    connection: 'ssh',
    host,
    ...(port === undefined ? {} : { port }),
    labels: {},
    vars: {},
    ssh: {
      user: match[1] ?? defaults.user,
      ...(defaults.identityFile === undefined ? {} : { identityFile: defaults.identityFile }),
      ...(defaults.knownHostsFile === undefined ? {} : { knownHostsFile: defaults.knownHostsFile }),
      strictHostKeyChecking: 'yes',
      connectTimeoutMs: defaults.connectTimeoutMs,
      keepaliveIntervalMs: defaults.keepaliveIntervalMs,
    },
  };
}
