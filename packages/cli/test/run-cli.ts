import { PassThrough, Readable } from 'node:stream';
import { createContext } from '../src/context.js';
import { runCli as run } from '../src/cli.js';

/** Runs the CLI from source with PassThrough streams; what `@lockstep/testing`'s runCli does from dist. */
export async function runCli(
  argv: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; signal?: AbortSignal; pluginDirs?: string[] } = {},
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const out = collect();
  const err = collect();
  const env = options.env ?? { ...process.env, CI: undefined };
  const context = createContext({
    cwd: options.cwd ?? process.cwd(),
    env,
    stdin: Readable.from([]),
    stdout: out.stream,
    stderr: err.stream,
    signal: options.signal,
    pluginDirs: options.pluginDirs,
  });
  const exitCode = await run(argv, context);
  return { exitCode, stdout: out.text(), stderr: err.text() };
}

function collect(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}
