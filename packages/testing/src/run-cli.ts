import { PassThrough, Readable } from 'node:stream';
import { createContext, runCli as runLockstep } from '@lockstep/cli';

/** Where and how {@link runCli} runs the command. */
export interface RunCliOptions {
  /** Working directory for relative paths (default `process.cwd()`). */
  cwd?: string;
  /** Environment (default: `process.env` without `CI`, so output does not depend on where tests run). */
  env?: Record<string, string | undefined>;
  /** Text fed to the command's stdin (default: none, closed at once). */
  stdin?: string;
  /** Aborting it is Ctrl-C: the run stops, releases what it holds and exits with 130. */
  signal?: AbortSignal;
  /** Extra plugin directories to discover. */
  pluginDirs?: string[];
}

/** What a CLI invocation left behind. */
export interface RunCliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the `lockstep` CLI in this process, with `PassThrough` streams instead of the terminal,
 * and returns its exit code and output: the way to test commands, including those a plugin
 * contributes. Output is never a TTY, so runs print plain lines (or NDJSON with `--json`).
 *
 * @param argv the words after `lockstep`, e.g. `['run', 'site.yml', '--json']`
 * @param options cwd, env, stdin and an abort signal
 * @returns exit code, stdout and stderr
 * @example
 * const { exitCode, stdout } = await runCli(['check', 'playbook.yml'], { cwd: fixtureDir });
 * expect(exitCode).toBe(0);
 * expect(stdout).toBe('ok: 2 nodes, 1 phase, 3 steps\n');
 */
export async function runCli(argv: string[], options: RunCliOptions = {}): Promise<RunCliResult> {
  const stdout = collect();
  const stderr = collect();
  const env = options.env ?? withoutCi(process.env);
  const context = createContext({
    cwd: options.cwd ?? process.cwd(),
    env,
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    stdout: stdout.stream,
    stderr: stderr.stream,
    colorDepth: 1,
    signal: options.signal,
    pluginDirs: options.pluginDirs,
  });
  const exitCode = await runLockstep(argv, context);
  return { exitCode, stdout: stdout.text(), stderr: stderr.text() };
}

function collect(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

function withoutCi(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const copy: Record<string, string | undefined> = { ...env };
  delete copy.CI;
  return copy;
}
