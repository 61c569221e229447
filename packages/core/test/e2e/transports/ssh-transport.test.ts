import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError } from '../../../src/errors/connection-error.js';
import type { NodeSpec } from '../../../src/playbook/model.js';
import { createTransport } from '../../../src/transports/create-transport.js';
import type { Transport } from '../../../src/transports/transport.js';
import { startSshdNodes, type SshdCluster } from '../../../../testing/src/sshd/index.js';

let cluster: SshdCluster;
let scratch: string;
const open: Transport[] = [];
const servers: Server[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  cluster = await startSshdNodes({ count: 3 });
  scratch = mkdtempSync(join(tmpdir(), 'lockstep-ssh-e2e-'));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.dispose()));
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

afterAll(async () => {
  await cluster?.stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

function node(index: number, overrides: Partial<NodeSpec> & { ssh?: Partial<NodeSpec['ssh']> } = {}): NodeSpec {
  const base = cluster.nodes[index]!;
  return { ...base, ...overrides, ssh: { ...base.ssh, ...overrides.ssh } };
}

async function connected(spec: NodeSpec): Promise<Transport> {
  const transport = createTransport(spec);
  open.push(transport);
  await transport.connect();
  return transport;
}

async function connectError(spec: NodeSpec): Promise<ConnectionError> {
  const transport = createTransport(spec);
  open.push(transport);
  const error = await transport.connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectionError);
  return error as ConnectionError;
}

async function listen(handler: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket);
    handler(socket);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

function established(port: number): number {
  const out = execFileSync('ss', ['-Htn', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim() !== '').length;
}

function acceptedLogins(name: string): number {
  return (readFileSync(cluster.sshd(name).logFile, 'utf8').match(/Accepted publickey/g) ?? []).length;
}

describe('ssh transport: commands', () => {
  it('runs many commands over one connection', async () => {
    const before = acceptedLogins('node1');
    const t = await connected(node(0));
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await t.exec(`echo run ${i}`));
    // More at once than sshd's MaxSessions (10): the rest wait for a free channel.
    results.push(...(await Promise.all(Array.from({ length: 12 }, (_, i) => t.exec(`sleep 0.2; echo parallel ${i}`)))));
    expect(results.map((r) => r.exitCode)).toEqual(Array(20).fill(0));
    expect(results[7]!.stdout).toBe('run 7');
    expect(results[19]!.stdout).toBe('parallel 11');
    expect(acceptedLogins('node1') - before).toBe(1);
    expect(established(cluster.sshd('node1').port)).toBe(1);
  });

  it('returns exit codes, stderr and signals as results', async () => {
    const t = await connected(node(0));
    expect(await t.exec('echo out; echo err >&2; exit 7')).toMatchObject({ exitCode: 7, signal: null, stdout: 'out', stderr: 'err' });
    expect(await t.exec('kill -TERM $$')).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
  });

  it('passes env without relying on AcceptEnv, quoting values', async () => {
    const t = await connected(node(0));
    const value = `it's "tricky" $HOME \`id\` \\`;
    const result = await t.exec('printf "%s|%s" "$ONE" "$TWO"', { env: { ONE: value, TWO: 'plain' } });
    expect(result.stdout).toBe(`${value}|plain`);
  });

  it('runs in the given cwd, and fails when it does not exist', async () => {
    const t = await connected(node(0));
    const dir = join(scratch, 'a dir with spaces');
    await t.exec(`mkdir -p '${dir}'`);
    expect((await t.exec('pwd', { cwd: dir })).stdout).toBe(dir);
    const missing = await t.exec('echo should-not-run', { cwd: join(scratch, 'missing') });
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stdout).toBe('');
  });

  it('uses the node workdir as the default directory', async () => {
    const t = await connected(node(0, { workdir: scratch }));
    expect((await t.exec('pwd')).stdout).toBe(scratch);
  });

  it('feeds stdin and closes it', async () => {
    const t = await connected(node(0));
    expect((await t.exec('tr a-z A-Z', { stdin: 'hello ssh\n' })).stdout).toBe('HELLO SSH');
    expect((await t.exec('cat; echo eof')).stdout).toBe('eof');
  });

  it('calls onLine with complete lines', async () => {
    const t = await connected(node(0));
    const lines: string[] = [];
    await t.exec("printf 'a\\nb'; sleep 0.2; printf 'c\\nd'; echo e >&2", { onLine: (s, l) => lines.push(`${s}:${l}`) });
    expect(lines.filter((l) => l.startsWith('stdout'))).toEqual(['stdout:a', 'stdout:bc', 'stdout:d']);
    expect(lines).toContain('stderr:e');
  });

  it('aborting kills the remote command and rejects', async () => {
    const t = await connected(node(0));
    const controller = new AbortController();
    let pid: number | undefined;
    const running = t.exec('sleep 300 & echo $!; wait', {
      signal: controller.signal,
      onLine: (_s, line) => {
        pid = Number(line);
        controller.abort();
      },
    });
    await expect(running).rejects.toThrow(/abort/i);
    expect(pid).toBeGreaterThan(0);
    // Gone, whether by the SIGTERM or by the SIGKILL that follows SSH_KILL_GRACE_MS later; the
    // window is wider than that grace so a loaded machine does not decide the outcome.
    const check = await t.exec(`for i in $(seq 50); do kill -0 ${pid} 2>/dev/null || exit 0; sleep 0.2; done; exit 1`);
    expect(check.exitCode).toBe(0);
  });
});

describe('ssh transport: spawn', () => {
  it('streams stdin to stdout through the channel, with backpressure', async () => {
    const t = await connected(node(0));
    const child = t.spawn('sha256sum | cut -d" " -f1 >&2; echo done');
    const payload = randomBytes(8 * 1024 * 1024);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    let sawBackpressure = false;
    for (let offset = 0; offset < payload.length; offset += 64 * 1024) {
      if (!child.stdin.write(payload.subarray(offset, offset + 64 * 1024))) {
        sawBackpressure = true;
        await new Promise((r) => child.stdin.once('drain', r));
      }
    }
    child.stdin.end();
    expect(await child.exited).toEqual({ exitCode: 0, signal: null });
    expect(err.trim()).toBe(createHash('sha256').update(payload).digest('hex'));
    expect(out).toBe('done\n');
    expect(sawBackpressure).toBe(true);
  });

  it('kill() signals the remote process', async () => {
    const t = await connected(node(0));
    const child = t.spawn('echo started; exec sleep 300');
    child.stderr.resume();
    await new Promise((r) => child.stdout.once('data', r));
    child.stdout.resume();
    child.kill('SIGTERM');
    expect(await child.exited).toEqual({ exitCode: null, signal: 'SIGTERM' });
  });
});

describe('ssh transport: expose', () => {
  it('makes a runner port reachable from the node through a reverse forward', async () => {
    const localPort = await listen((socket) => socket.end('hello from the runner\n'));
    const t = await connected(node(0));
    const exposed = await t.expose(localPort);
    const [host, port] = exposed.address.split(':');
    expect(host).toBe('127.0.0.1');
    expect(Number(port)).not.toBe(localPort);
    const viaNode = await t.exec(`bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}; cat <&3'`);
    expect(viaNode).toMatchObject({ exitCode: 0, stdout: 'hello from the runner' });
    await exposed.dispose();
    const after = await t.exec(`bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' 2>/dev/null`);
    expect(after.exitCode).not.toBe(0);
  });
});

describe('ssh transport: authentication and config', () => {
  it('honours a Host alias from the ssh config file', async () => {
    const configFile = join(scratch, 'alias-config');
    writeFileSync(
      configFile,
      `Host web-alias\n  HostName 127.0.0.1\n  Port ${cluster.sshd('node1').port}\n  User root\n  IdentityFile ${cluster.identityFile}\n`,
    );
    const spec = node(0, { host: 'web-alias', port: undefined, ssh: { configFile, user: undefined, identityFile: undefined } });
    const t = await connected(spec);
    expect((await t.exec('whoami')).stdout).toBe('root');
  });

  describe('with an ssh-agent', () => {
    let agent: ChildProcess | undefined;
    let savedSock: string | undefined;
    afterEach(() => {
      if (agent?.pid) process.kill(agent.pid, 'SIGTERM');
      agent = undefined;
      if (savedSock === undefined) delete process.env['SSH_AUTH_SOCK'];
      else process.env['SSH_AUTH_SOCK'] = savedSock;
    });

    it('authenticates with a key held by the agent', async () => {
      const socket = join(scratch, 'agent.sock');
      agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
      execFileSync('ssh-add', [cluster.identityFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      savedSock = process.env['SSH_AUTH_SOCK'];
      process.env['SSH_AUTH_SOCK'] = socket;
      const t = await connected(node(0, { ssh: { identityFile: undefined, agent: true, configFile: cluster.configFile } }));
      expect((await t.exec('echo via-agent')).stdout).toBe('via-agent');
    });
  });

  it('reports a wrong key as an authentication failure', async () => {
    const wrongKey = join(scratch, 'wrong_key');
    if (!existsSync(wrongKey)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
    const error = await connectError(node(0, { ssh: { identityFile: wrongKey } }));
    expect(error.reason).toBe('auth-failed');
    expect(error.code).toBe('LS3002');
    expect(error.message).toContain('node1 (127.0.0.1:');
    expect(error.message).toContain(wrongKey);
  });
});

describe('ssh transport: connection failures', () => {
  it('reports a closed port as refused', async () => {
    const port = await listen(() => {});
    await new Promise((r) => servers.pop()!.close(r));
    const error = await connectError(node(0, { port }));
    expect(error.reason).toBe('refused');
    expect(error.message).toBe(`node1 (127.0.0.1:${port}): connection refused (is sshd running and listening on this port?)`);
  });

  it('times out on a server that accepts TCP but never speaks SSH', async () => {
    const port = await listen(() => {});
    const error = await connectError(node(0, { port, ssh: { connectTimeoutMs: 500 } }));
    expect(error.reason).toBe('timed-out');
    expect(error.message).toContain('timed out after 500ms');
  });

  it('reports an unresolvable host name', async () => {
    const error = await connectError(node(0, { host: 'no-such-host.invalid', port: 22 }));
    expect(error.reason).toBe('dns');
  });
});

describe('ssh transport: host keys', () => {
  it('refuses an unknown host key without prompting', async () => {
    const knownHostsFile = join(scratch, 'empty_known_hosts');
    writeFileSync(knownHostsFile, '');
    const error = await connectError(node(0, { ssh: { knownHostsFile } }));
    expect(error.reason).toBe('host-key-unknown');
    expect(error.code).toBe('LS3003');
    expect(error.message).toContain('host key unknown, add it with ssh-keyscan or set strictHostKeyChecking: accept-new');
  });

  it('refuses a key that differs from known_hosts', async () => {
    const otherKey = join(scratch, 'other_host_key');
    if (!existsSync(otherKey)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const knownHostsFile = join(scratch, 'wrong_known_hosts');
    const port = cluster.sshd('node1').port;
    writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${readFileSync(`${otherKey}.pub`, 'utf8')}`);
    const error = await connectError(node(0, { ssh: { knownHostsFile } }));
    expect(error.reason).toBe('host-key-mismatch');
    expect(error.message).toContain('HOST KEY MISMATCH');
  });

  it('accept-new records an unknown key, then trusts it', async () => {
    const knownHostsFile = join(scratch, 'new', 'known_hosts');
    const port = cluster.sshd('node1').port;
    const t = await connected(node(0, { ssh: { knownHostsFile, strictHostKeyChecking: 'accept-new' } }));
    expect((await t.exec('true')).exitCode).toBe(0);
    expect(readFileSync(knownHostsFile, 'utf8')).toBe(`[127.0.0.1]:${port} ${cluster.hostPublicKey}\n`);
    const strict = await connected(node(0, { ssh: { knownHostsFile } }));
    expect((await strict.exec('true')).exitCode).toBe(0);
  });
});

describe('ssh transport: losing the connection', () => {
  it('a command on a node whose sshd is killed ends with exitCode null, and onDidDisconnect fires', async () => {
    const t = await connected(node(1));
    const lost: Error[] = [];
    t.onDidDisconnect((e) => lost.push(e));
    let stopped: Promise<void> | undefined;
    const result = await t.exec('echo started; sleep 300', { onLine: () => (stopped = cluster.stop('node2')) });
    await stopped;
    expect(result).toMatchObject({ exitCode: null, signal: null, stdout: 'started' });
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(ConnectionError);
    expect((lost[0] as ConnectionError).reason).toBe('lost');
    expect(lost[0]!.message).toMatch(/^node2 \(127\.0\.0\.1:\d+\): connection lost/);
    await expect(t.exec('true')).rejects.toThrow(/connection lost/);
    await cluster.startAgain('node2');
    const again = await connected(node(1));
    expect((await again.exec('echo back')).stdout).toBe('back');
  });

  it('keepalives detect a node that stopped answering', async () => {
    const t = await connected(node(2, { ssh: { keepaliveIntervalMs: 200 } }));
    const lost = new Promise<Error>((resolve) => t.onDidDisconnect(resolve));
    const running = t.exec('echo started; sleep 300', { onLine: () => cluster.pause('node3') });
    try {
      const result = await running;
      expect(result.exitCode).toBeNull();
      expect((await lost).message).toMatch(/node3 \(127\.0\.0\.1:\d+\): connection lost: no answer to 3 keepalives/);
    } finally {
      cluster.resume('node3');
    }
  });
});
