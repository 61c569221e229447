import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { NodeSpec } from '@lockstep/core';
import { commandName, descendantsOf, freePort, sessionProcesses, signalQuietly, waitForBanner } from './process-tree.js';

/** Where the harness expects OpenSSH's server. */
export const SSHD_PATH = '/usr/sbin/sshd';

/** Options of {@link startSshdNodes}. */
export interface StartSshdNodesOptions {
  /** How many nodes (one sshd each). */
  count: number;
  /** Directory for keys, configs and logs; default a new temporary directory, removed by `stopAll()`. */
  baseDir?: string;
  /** Node names are `<prefix>1`, `<prefix>2`, … (default `node`). */
  namePrefix?: string;
  /** `connectTimeoutMs` of the returned nodes (default 5000). */
  connectTimeoutMs?: number;
  /** `keepaliveIntervalMs` of the returned nodes (default 15000). */
  keepaliveIntervalMs?: number;
  /** Extra sshd_config lines, e.g. `['MaxSessions 2']`; each replaces the harness's line with the same keyword. */
  sshdConfig?: string[];
}

/** One running sshd. */
export interface SshdProcess {
  readonly name: string;
  readonly port: number;
  /** PID of the listening sshd, or undefined while stopped. */
  readonly pid: number | undefined;
  /** sshd's own log (`-e`, LogLevel VERBOSE): one `Accepted publickey` line per connection. */
  readonly logFile: string;
  readonly configFile: string;
}

/** sshd nodes on loopback, ready for the `ssh` transport and for playbooks. */
export interface SshdCluster {
  /** Nodes with `connection: ssh`, host 127.0.0.1, their port, the current user and the generated key. */
  readonly nodes: NodeSpec[];
  readonly baseDir: string;
  /** known_hosts listing every node as `[127.0.0.1]:port`. */
  readonly knownHostsFile: string;
  /** The client's private ed25519 key (its `.pub` is next to it). */
  readonly identityFile: string;
  /** The host public key all nodes use, as `ssh-ed25519 AAAA…`. */
  readonly hostPublicKey: string;
  /** An empty ssh config, so the user's `~/.ssh/config` does not leak into tests. */
  readonly configFile: string;
  /** The sshd of one node. */
  sshd(name: string): SshdProcess;
  /** Kills a node's sshd and every session it serves, by PID (all nodes without a name). */
  stop(name?: string): Promise<void>;
  /** Starts a stopped node's sshd again on the same port. */
  startAgain(name: string): Promise<void>;
  /** Freezes a node's sshd and sessions (SIGSTOP): TCP stays up but nothing answers, like a partition. */
  pause(name: string): void;
  /** Thaws a paused node (SIGCONT). */
  resume(name: string): void;
  /** Stops every sshd and removes the base directory if the harness created it. */
  stopAll(): Promise<void>;
}

interface NodeState {
  name: string;
  port: number;
  dir: string;
  configFile: string;
  logFile: string;
  child: ChildProcess | undefined;
}

/**
 * Starts `count` real OpenSSH servers on 127.0.0.1, each on a free port with a self-contained
 * sshd_config (nothing in /etc/ssh is read), sharing one host key and one authorized client key.
 * Keys are made with `ssh-keygen`. Sessions run as the current user with HOME set to an empty
 * `<baseDir>/home`, like a clean node: the user's own shell rc files do not run.
 *
 * @param options how many nodes and where their files go
 * @returns the cluster; call `stopAll()` when done
 * @throws {Error} when /usr/sbin/sshd is missing (install `openssh-server`) or an sshd does not start
 * @example
 * const cluster = await startSshdNodes({ count: 2 });
 * try { … cluster.nodes … } finally { await cluster.stopAll(); }
 */
export async function startSshdNodes(options: StartSshdNodesOptions): Promise<SshdCluster> {
  if (!existsSync(SSHD_PATH)) {
    throw new Error(`${SSHD_PATH} not found: the sshd test nodes need OpenSSH's server; install it with \`apt-get install openssh-server\``);
  }
  const ownsDir = options.baseDir === undefined;
  const baseDir = resolve(options.baseDir ?? mkdtempSync(join(tmpdir(), 'lockstep-sshd-')));
  mkdirSync(baseDir, { recursive: true });
  // sshd's privilege separation chroots into this directory; it must exist.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const hostKey = join(baseDir, 'ssh_host_ed25519_key');
  const identityFile = join(baseDir, 'id_ed25519');
  for (const [file, comment] of [
    [hostKey, 'lockstep-test-host'],
    [identityFile, 'lockstep-test-client'],
  ] as const) {
    if (!existsSync(file)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  }
  const authorizedKeys = join(baseDir, 'authorized_keys');
  // Sessions get their own empty HOME, as on a clean node: bash reads ~/.bashrc for every ssh
  // command, and the machine user's rc files (some images run `pyenv init` there, with a lock
  // every login contends for) would slow every command and write to its stderr.
  const sessionHome = join(baseDir, 'home');
  mkdirSync(sessionHome, { recursive: true });
  writeFileSync(authorizedKeys, readFileSync(`${identityFile}.pub`), { mode: 0o600 });
  const hostPublicKey = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const configFile = join(baseDir, 'ssh_config');
  writeFileSync(configFile, '');

  const prefix = options.namePrefix ?? 'node';
  const states: NodeState[] = [];
  for (let i = 1; i <= options.count; i++) {
    const name = `${prefix}${i}`;
    const dir = join(baseDir, name);
    mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const state: NodeState = { name, port, dir, configFile: join(dir, 'sshd_config'), logFile: join(dir, 'sshd.log'), child: undefined };
    const defaults = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin yes',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'AllowTcpForwarding yes',
      'AllowAgentForwarding no',
      'X11Forwarding no',
      'PrintMotd no',
      'PrintLastLog no',
      'UseDNS no',
      'MaxStartups 100',
      'LogLevel VERBOSE',
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      `SetEnv HOME=${sessionHome}`,
    ];
    // Extra lines replace the defaults with the same keyword (sshd keeps the first value of most
    // keywords, and refuses a second `Subsystem` of the same name).
    const extra = options.sshdConfig ?? [];
    const keyOf = (line: string) => {
      const words = line.trim().toLowerCase().split(/\s+/);
      return words[0] === 'subsystem' ? `${words[0]} ${words[1]}` : words[0];
    };
    const overridden = new Set(extra.map(keyOf));
    writeFileSync(state.configFile, [...extra, ...defaults.filter((line) => !overridden.has(keyOf(line))), ''].join('\n'));
    states.push(state);
  }
  const knownHostsFile = join(baseDir, 'known_hosts');
  writeFileSync(knownHostsFile, states.map((s) => `[127.0.0.1]:${s.port} ${hostPublicKey}\n`).join(''));

  const byName = (name: string): NodeState => {
    const state = states.find((s) => s.name === name);
    if (!state) throw new Error(`no sshd node named ${name} (have ${states.map((s) => s.name).join(', ')})`);
    return state;
  };
  const stopOne = async (state: NodeState) => {
    const child = state.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) {
      // Commands whose connection dropped outlive it (no pty, no hangup).
      for (const pid of sessionProcesses(state.port)) signalQuietly(pid, 'SIGKILL');
      return;
    }
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const sessions = descendantsOf(child.pid);
    for (const pid of [child.pid, ...sessions]) signalQuietly(pid, 'SIGCONT');
    // sshd processes first, like a crash: a session whose shell died first would still report
    // an exit status and close the channel cleanly.
    const isSshd = (pid: number) => commandName(pid) === 'sshd';
    for (const pid of [child.pid, ...sessions.filter(isSshd)]) signalQuietly(pid, 'SIGKILL');
    // Then the rest, including commands whose connection dropped earlier: they are no longer
    // sshd's descendants, but sshd's SSH_CONNECTION variable still marks them.
    for (const pid of [...sessions, ...sessionProcesses(state.port)]) signalQuietly(pid, 'SIGKILL');
    await exited;
    state.child = undefined;
  };
  const signalTree = (state: NodeState, signal: NodeJS.Signals) => {
    const pid = state.child?.pid;
    if (pid === undefined) throw new Error(`sshd of ${state.name} is not running`);
    for (const each of [pid, ...descendantsOf(pid)]) signalQuietly(each, signal);
  };

  const cluster: SshdCluster = {
    nodes: states.map((s) => ({
      name: s.name,
      connection: 'ssh',
      host: '127.0.0.1',
      port: s.port,
      labels: {},
      vars: {},
      ssh: {
        user: userInfo().username,
        identityFile,
        agent: false,
        strictHostKeyChecking: 'yes',
        knownHostsFile,
        configFile,
        connectTimeoutMs: options.connectTimeoutMs ?? 5000,
        keepaliveIntervalMs: options.keepaliveIntervalMs ?? 15_000,
      },
    })),
    baseDir,
    knownHostsFile,
    identityFile,
    hostPublicKey,
    configFile,
    sshd(name) {
      const s = byName(name);
      return { name: s.name, port: s.port, pid: s.child?.pid, logFile: s.logFile, configFile: s.configFile };
    },
    async stop(name) {
      await Promise.all((name === undefined ? states : [byName(name)]).map(stopOne));
    },
    async startAgain(name) {
      const state = byName(name);
      if (state.child) return;
      await startSshd(state);
    },
    pause: (name) => signalTree(byName(name), 'SIGSTOP'),
    resume: (name) => signalTree(byName(name), 'SIGCONT'),
    async stopAll() {
      await Promise.all(states.map(stopOne));
      if (ownsDir) rmSync(baseDir, { recursive: true, force: true });
    },
  };

  try {
    await Promise.all(states.map(startSshd));
  } catch (error) {
    await cluster.stopAll();
    throw error;
  }
  return cluster;
}

async function startSshd(state: NodeState): Promise<void> {
  const log = openSync(state.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(SSHD_PATH, ['-D', '-e', '-f', state.configFile], { stdio: ['ignore', 'ignore', log] });
  } finally {
    closeSync(log);
  }
  state.child = child;
  let failure: string | undefined;
  child.once('error', (error) => (failure = `could not start ${SSHD_PATH}: ${error.message}`));
  child.once('exit', (code, signal) => {
    failure ??= `sshd of ${state.name} exited (${signal ?? code}) before listening; see ${state.logFile}:\n${tail(state.logFile)}`;
    if (state.child === child) state.child = undefined;
  });
  await waitForBanner(state.port, 10_000, () => failure);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-10).join('\n');
  } catch {
    return '';
  }
}
