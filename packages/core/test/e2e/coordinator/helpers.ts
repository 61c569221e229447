import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Coordinator } from '../../../src/coordinator/coordinator.js';

const clientScript = fileURLToPath(new URL('./fixtures/client.mjs', import.meta.url));

/** A client process and its output lines. */
export interface ClientProcess {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line matching `pattern`. */
  line(pattern: RegExp): Promise<string>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Every process started by a test, to be killed afterwards. */
export const started: ChildProcess[] = [];

/** Kills (SIGKILL) every process still running. */
export function killAll(): void {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Starts the fixture client as a real process. */
export function startClient(address: string, token: string, name: string, ...args: string[]): ClientProcess {
  const child = spawn(process.execPath, [clientScript, address, token, name, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) if (w.pattern.test(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
    }
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    lines,
    exited,
    line: (pattern) =>
      new Promise((resolve) => {
        const found = lines.find((l) => pattern.test(l));
        if (found !== undefined) resolve(found);
        else waiters.push({ pattern, resolve });
      }),
  };
}

/** Waits until the backend holds `count` (or, `exactly`, just `count`) keys under `prefix`: a request is registered, or gone. */
export async function keysUnder(coordinator: Coordinator, prefix: string, count: number, exactly = false): Promise<void> {
  for (;;) {
    const { count: n } = await coordinator.backend.range({ key: prefix, prefix: true, countOnly: true });
    if (exactly ? n === count : n >= count) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}
