import { mkdtemp, rm, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeSpec } from '../../src/playbook/model.js';
import { createTransport } from '../../src/transports/create-transport.js';
import type { Transport } from '../../src/transports/transport.js';

function localNode(name: string, workdir?: string): NodeSpec {
  return {
    name,
    connection: 'local',
    host: 'localhost',
    labels: {},
    vars: {},
    workdir,
    ssh: { strictHostKeyChecking: 'yes', connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000 },
  };
}

/** Alive and not a zombie. */
function isRunning(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

describe('local transport', () => {
  let baseDir: string;
  let transport: Transport;
  const pids: number[] = [];

  beforeEach(async () => {
    baseDir = await mkdtemp(join(tmpdir(), 'lockstep-local-'));
    transport = createTransport(localNode('ci'), { baseDir });
    await transport.connect();
  });

  afterEach(async () => {
    await transport.dispose();
    for (const pid of pids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
    await rm(baseDir, { recursive: true, force: true });
  });

  it('creates the node working directory on connect and runs commands there', async () => {
    const dir = join(baseDir, '.lockstep/nodes/ci');
    expect((await stat(dir)).isDirectory()).toBe(true);
    const result = await transport.exec('pwd');
    expect(result).toMatchObject({ exitCode: 0, signal: null, stdout: dir, stderr: '' });
  });

  it('honours an explicit workdir, relative to the base dir', async () => {
    const other = createTransport(localNode('x', 'custom/place'), { baseDir });
    await other.connect();
    try {
      expect((await other.exec('pwd')).stdout).toBe(join(baseDir, 'custom/place'));
    } finally {
      await other.dispose();
    }
  });

  it('returns non-zero exit codes and stderr as a result instead of throwing', async () => {
    const result = await transport.exec('echo oops >&2; exit 3');
    expect(result).toMatchObject({ exitCode: 3, signal: null, stdout: '', stderr: 'oops' });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('reports the signal that killed the command', async () => {
    const result = await transport.exec('kill -KILL $$');
    expect(result).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
  });

  it('merges env over the runner environment', async () => {
    process.env['LOCKSTEP_TEST_INHERITED'] = 'from-runner';
    try {
      const result = await transport.exec('echo "$LOCKSTEP_TEST_INHERITED $GREETING"', { env: { GREETING: "it's me" } });
      expect(result.stdout).toBe("from-runner it's me");
    } finally {
      delete process.env['LOCKSTEP_TEST_INHERITED'];
    }
  });

  it('runs in a cwd relative to the workdir', async () => {
    await transport.exec('mkdir -p sub/dir');
    const result = await transport.exec('pwd', { cwd: 'sub/dir' });
    expect(result.stdout).toBe(join(baseDir, '.lockstep/nodes/ci/sub/dir'));
  });

  it('feeds stdin and closes it; without stdin, reading gets EOF at once', async () => {
    expect((await transport.exec('tr a-z A-Z', { stdin: 'hello\n' })).stdout).toBe('HELLO');
    expect((await transport.exec('cat; echo done')).stdout).toBe('done');
  });

  it('calls onLine with complete lines, including a last line without newline', async () => {
    const lines: string[] = [];
    await transport.exec("printf 'one\\ntw'; sleep 0.1; printf 'o\\nthree'; echo err >&2", {
      onLine: (stream, line) => lines.push(`${stream}:${line}`),
    });
    expect(lines.filter((l) => l.startsWith('stdout:'))).toEqual(['stdout:one', 'stdout:two', 'stdout:three']);
    expect(lines).toContain('stderr:err');
  });

  it('kills the command and everything it started when aborted, then rejects', async () => {
    const pidFile = join(baseDir, 'pids');
    const controller = new AbortController();
    // A compound command: the shell stays as parent, so killing only the shell would orphan sleep.
    const running = transport.exec(`sleep 60 & echo $! > ${pidFile}; echo $$ >> ${pidFile}; wait`, { signal: controller.signal });
    expect(await waitFor(() => readFileSafe(pidFile).split('\n').filter(Boolean).length === 2)).toBe(true);
    const [sleepPid, shellPid] = readFileSafe(pidFile).split('\n').map(Number) as [number, number];
    pids.push(sleepPid, shellPid);
    expect(isRunning(sleepPid)).toBe(true);
    controller.abort();
    await expect(running).rejects.toThrow(/abort/i);
    expect(await waitFor(() => !isRunning(sleepPid) && !isRunning(shellPid))).toBe(true);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const marker = join(baseDir, 'ran');
    await expect(transport.exec(`touch ${marker}`, { signal: AbortSignal.abort() })).rejects.toThrow();
    await expect(stat(marker)).rejects.toThrow();
  });

  it('spawns with open streams', async () => {
    const child = transport.spawn('while read line; do echo "got $line"; done; echo bye >&2; exit 4');
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.write('a\n');
    child.stdin.end('b\n');
    expect(await child.exited).toEqual({ exitCode: 4, signal: null });
    expect(Buffer.concat(out).toString()).toBe('got a\ngot b\n');
    expect(Buffer.concat(err).toString()).toBe('bye\n');
  });

  it('kill() ends a spawned process with the given signal', async () => {
    const child = transport.spawn('exec sleep 60');
    child.stdout.resume();
    child.stderr.resume();
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    expect(await child.exited).toEqual({ exitCode: null, signal: 'SIGINT' });
  });

  it('dispose() ends spawned processes that are still running', async () => {
    const pidFile = join(baseDir, 'spawned');
    const child = transport.spawn(`echo $$ > ${pidFile}; exec sleep 60`);
    child.stdout.resume();
    child.stderr.resume();
    expect(await waitFor(() => readFileSafe(pidFile) !== '')).toBe(true);
    const pid = Number(readFileSafe(pidFile));
    pids.push(pid);
    await transport.dispose();
    expect(await child.exited).toMatchObject({ exitCode: null });
    expect(await waitFor(() => !isRunning(pid))).toBe(true);
  });

  it('exposes a runner port at the same loopback address', async () => {
    const exposed = await transport.expose(4567);
    expect(exposed.address).toBe('127.0.0.1:4567');
    await exposed.dispose();
  });

  it('refuses to run before connect()', async () => {
    const fresh = createTransport(localNode('y'), { baseDir });
    await expect(fresh.exec('true')).rejects.toThrow(/connect\(\) first/);
    expect(fresh.kind).toBe('local');
  });

  it('fails to start in a missing cwd rather than running somewhere else', async () => {
    await expect(transport.exec('pwd', { cwd: 'does/not/exist' })).rejects.toThrow(/does\/not\/exist/);
  });
});

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
