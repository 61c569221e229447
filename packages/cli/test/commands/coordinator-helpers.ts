import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/**
 * The bin users run: these tests run `lockstep` as real processes (run `yarn build` first), so
 * the plain `sem NAME DELTA` / `barrier NAME COUNT` calls go through bundle/quick.cjs and the
 * others through the ES module CLI.
 */
export const lockstepBin = fileURLToPath(new URL('../../bin/lockstep.cjs', import.meta.url));

/** A `lockstep` process with its output. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern`. */
  line(pattern: RegExp): Promise<string>;
  /** Resolves with the exit code (null when a signal ended it) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcess[] = [];

/** Kills (SIGKILL) every process a test started that still runs; for afterEach. */
export function killStarted(): void {
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/**
 * Starts `node dist/main.js ...args`.
 * @param env environment on top of this process's (LOCKSTEP_* cleared unless given)
 */
export function lockstep(args: string[], env: Record<string, string> = {}, options: { detached?: boolean } = {}): CliProcess {
  const child = spawn(process.execPath, [lockstepBin, ...args], {
    env: { ...process.env, LOCKSTEP_COORDINATOR: '', LOCKSTEP_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  started.push(child);
  let out = '';
  let err = '';
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      const found = out.split('\n').find((l) => w.pattern.test(l));
      if (found !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(found);
      }
    }
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    check();
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    line: (pattern) =>
      new Promise((resolve) => {
        waiters.push({ pattern, resolve });
        check();
      }),
  };
}

/** Runs `lockstep ...args` to completion. */
export async function runLockstep(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = lockstep(args, env);
  const { code } = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Starts `lockstep coordinator` on a free loopback port and returns its address and environment. */
export async function startCoordinator(extra: string[] = []): Promise<{ process: CliProcess; address: string; env: Record<string, string> }> {
  const token = 'cli-test-token';
  const p = lockstep(['coordinator', '--listen', '127.0.0.1:0', ...extra], { LOCKSTEP_TOKEN: token });
  const line = await p.line(/^LOCKSTEP_COORDINATOR=/);
  const address = line.slice('LOCKSTEP_COORDINATOR='.length);
  return { process: p, address, env: { LOCKSTEP_COORDINATOR: address, LOCKSTEP_TOKEN: token } };
}
