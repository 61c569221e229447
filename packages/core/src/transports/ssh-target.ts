import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { ConnectionError } from '../errors/connection-error.js';
import type { NodeSpec } from '../playbook/model.js';

/** OpenSSH's ServerAliveCountMax default: the connection is declared dead after this many unanswered keepalives. */
export const KEEPALIVE_COUNT_MAX = 3;

/** Where and how to reach an ssh node, after `~/.ssh/config` and defaults are applied. */
export interface SshTarget {
  /** Host name or address to dial (ssh config `HostName`, else the node's host). */
  host: string;
  port: number;
  user: string;
  /** `host:port`, for messages. */
  address: string;
  /** Private key files to offer, in order, `~` expanded. */
  identityFiles: string[];
  /** Whether the identity files were named (playbook or ssh config) rather than guessed defaults. */
  identityExplicit: boolean;
  /** ssh-agent socket to use, if any. */
  agentSocket: string | undefined;
  knownHostsFile: string;
  strictHostKeyChecking: 'yes' | 'accept-new';
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}

/**
 * Resolves a node's SSH settings the way `ssh` would. The playbook wins over `~/.ssh/config`
 * (like ssh's command-line flags do), and the config wins over defaults. From the config we
 * honour `HostName`, `Port`, `User`, `IdentityFile` and `UserKnownHostsFile`; `Match exec` blocks
 * are not run, so connecting never executes commands from the config.
 *
 * @param node the node
 * @param env environment for `SSH_AUTH_SOCK` (default `process.env`)
 * @returns the resolved target
 * @throws {ConnectionError} when a config file the playbook names cannot be read
 */
export async function resolveSshTarget(node: NodeSpec, env: NodeJS.ProcessEnv = process.env): Promise<SshTarget> {
  const home = homedir();
  const fallbackAddress = `${node.host}:${node.port ?? 22}`;
  const configPath = node.ssh.configFile === undefined ? join(home, '.ssh', 'config') : expandHome(node.ssh.configFile, home);
  let configText = '';
  try {
    configText = await readFile(configPath, 'utf8');
  } catch (error) {
    if (node.ssh.configFile !== undefined || (error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConnectionError(node.name, fallbackAddress, 'other', `cannot read ssh config ${configPath}: ${(error as Error).message}`, { cause: error });
    }
  }
  const computed = SSHConfig.parse(configText).compute(node.host, { ignoreCase: true, matchExec: false });
  const first = (key: string): string | undefined => {
    const value = computed[key];
    return Array.isArray(value) ? value[0] : value;
  };

  const host = first('hostname')?.replaceAll('%h', node.host) ?? node.host;
  const port = node.port ?? (first('port') === undefined ? 22 : Number(first('port')));
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConnectionError(node.name, fallbackAddress, 'other', `invalid port ${JSON.stringify(first('port'))} in ${configPath}`);
  }
  const user = node.ssh.user ?? first('user') ?? userInfo().username;
  const tokens = { h: host, p: String(port), r: user, u: userInfo().username, d: home, n: node.host };
  const expand = (path: string) => expandHome(expandTokens(path, tokens), home);

  const configured = computed['identityfile'];
  const fromConfig = configured === undefined ? [] : Array.isArray(configured) ? configured : [configured];
  const named = node.ssh.identityFile === undefined ? fromConfig : [node.ssh.identityFile];
  const identityFiles = (named.length > 0 ? named : ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa']).map(expand);

  const socket = env['SSH_AUTH_SOCK'];
  const agentSocket = node.ssh.agent === false || !socket ? undefined : socket;
  const knownHosts = node.ssh.knownHostsFile ?? first('userknownhostsfile')?.split(/\s+/)[0] ?? '~/.ssh/known_hosts';

  return {
    host,
    port,
    user,
    address: `${host}:${port}`,
    identityFiles,
    identityExplicit: named.length > 0,
    agentSocket,
    knownHostsFile: expand(knownHosts),
    strictHostKeyChecking: node.ssh.strictHostKeyChecking ?? 'yes',
    connectTimeoutMs: node.ssh.connectTimeoutMs,
    keepaliveIntervalMs: node.ssh.keepaliveIntervalMs,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
  };
}

/**
 * Expands a leading `~` or `~/` to the home directory.
 *
 * @param path a path as users write it
 * @param home the home directory
 * @returns the expanded path
 */
export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

function expandTokens(path: string, tokens: Record<string, string>): string {
  return path.replace(/%(.)/g, (whole, letter: string) => (letter === '%' ? '%' : tokens[letter] ?? whole));
}
