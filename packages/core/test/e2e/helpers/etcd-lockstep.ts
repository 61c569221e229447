import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built CLI (`yarn build` first). */
export const CLI_MAIN = fileURLToPath(new URL('../../../../cli/dist/main.js', import.meta.url));

/** A `lockstep coordinator --backend etcd` process started by a test. */
export interface CoordinatorProcess {
  /** `127.0.0.1:port` */
  readonly address: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Sends a signal by PID and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Options of {@link startCoordinatorProcess}. */
export interface CoordinatorProcessOptions {
  endpoints: string[];
  prefix: string;
  token: string;
  /** Lease TTL of the sessions (`--session-ttl`). */
  sessionTtl: string;
  /** A fixed port (to restart a coordinator where its clients expect it); default any free port. */
  port?: number;
  /** More `lockstep coordinator` options (TLS files). */
  extraArgs?: string[];
}

/**
 * Starts `node packages/cli/dist/main.js coordinator --backend etcd …` and waits for the address
 * it prints.
 * @returns the running process; the test kills it by PID
 */
export async function startCoordinatorProcess(options: CoordinatorProcessOptions): Promise<CoordinatorProcess> {
  const child = spawn(
    process.execPath,
    [
      CLI_MAIN,
      'coordinator',
      '--listen',
      `127.0.0.1:${options.port ?? 0}`,
      '--backend',
      'etcd',
      '--etcd-endpoints',
      options.endpoints.join(','),
      '--etcd-prefix',
      options.prefix,
      '--session-ttl',
      options.sessionTtl,
      ...(options.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOCKSTEP_TOKEN: options.token } },
  );
  let output = '';
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coordinator did not start within 60s: ${output}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /LOCKSTEP_COORDINATOR=(\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`coordinator exited with ${code}: ${output}`));
    });
  });
  return {
    address,
    port: Number(address.split(':').at(-1)),
    process: child,
    kill: (signal = 'SIGKILL') => stopProcess(child, signal),
  };
}

/** A CLI client process (`lockstep lock`, `lockstep sem`) with its output collected. */
export interface CliProcess {
  readonly process: ChildProcess;
  /** Lines printed so far on stdout, each with the time it was seen. */
  readonly lines: Array<{ line: string; at: number }>;
  stderr(): string;
  /** Resolves with the exit code (128+N for a signal). */
  readonly exited: Promise<number>;
  /** Resolves at the first stdout line matching `pattern`, with the time it was seen. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<number>;
}

/**
 * Runs `node packages/cli/dist/main.js <args>` with the token in its environment.
 * @returns the running process and its output
 */
export function runCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines: Array<{ line: string; at: number }> = [];
  let err = '';
  let partial = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    const at = Date.now();
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const line of parts) lines.push({ line, at });
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
  });
  const waitFor = (pattern: RegExp, timeoutMs = 30_000): Promise<number> =>
    new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
      const check = (): void => {
        const hit = lines.find((l) => pattern.test(l.line));
        if (hit) {
          clearTimeout(deadline);
          resolve(hit.at);
        } else waiters.push(check);
      };
      check();
    });
  return { process: child, lines, stderr: () => err, exited, waitFor };
}

/** Sends `signal` to a child by PID (if it still runs) and waits for it to exit. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(child.pid!, signal);
  } catch {
    return;
  }
  await exited;
}

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as import('node:net').AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}
