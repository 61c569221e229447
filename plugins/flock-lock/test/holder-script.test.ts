import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { HolderMarks, holderScript } from '../src/holder-script.js';

const started: number[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flock-script-'));
  dirs.push(dir);
  return dir;
}

/** Starts the script with sh, as a node would, and collects its lines. */
function runScript(script: string) {
  const child = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  started.push(child.pid!);
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const until = async (predicate: () => boolean) => {
    while (!predicate()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { child, lines, exited, until };
}

describe('holderScript', () => {
  it('takes the lock, answers pings, and frees the lock when stdin closes', async () => {
    const path = join(tempDir(), 'a.lock');
    const holder = runScript(holderScript(path, 'run one', 0));
    await holder.until(() => holder.lines.includes(HolderMarks.locked));
    holder.child.stdin!.write('7\n');
    await holder.until(() => holder.lines.includes(`${HolderMarks.pong}7`));
    expect(() => execFileSync('flock', ['-n', path, 'true'])).toThrow();
    holder.child.stdin!.end();
    expect(await holder.exited).toBe(0);
    expect(() => execFileSync('flock', ['-n', path, 'true'])).not.toThrow();
  });

  it('locks a directory as well as a file', async () => {
    const dir = tempDir();
    const holder = runScript(holderScript(dir, 'run one', 0));
    await holder.until(() => holder.lines.includes(HolderMarks.locked));
    expect(() => execFileSync('flock', ['-n', dir, 'true'])).toThrow();
    holder.child.stdin!.end();
    await holder.exited;
  });

  it('reports a busy lock with its holder, and a lock held by the same run as shared', async () => {
    const path = join(tempDir(), 'b.lock');
    const first = runScript(holderScript(path, 'run one on host-a', 0));
    await first.until(() => first.lines.includes(HolderMarks.locked));
    const other = runScript(holderScript(path, 'run two', 0));
    expect(await other.exited).toBe(75);
    expect(other.lines).toEqual([HolderMarks.busy, `${HolderMarks.holder}run one on host-a`]);
    const same = runScript(holderScript(path, 'run one on host-a', 0));
    expect(await same.exited).toBe(0);
    expect(same.lines).toEqual([HolderMarks.shared]);
    first.child.stdin!.end();
    await first.exited;
  });
});
