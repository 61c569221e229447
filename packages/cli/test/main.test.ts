import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '@lockstep/testing';

// These run the built bin as a real process (`yarn build` first), as a user would.
const bin = fileURLToPath(new URL('../bin/lockstep.cjs', import.meta.url));
let work: string;
let child: ChildProcess | undefined;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'lockstep-cli-main-'));
});
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  await rm(work, { recursive: true, force: true });
});

function start(args: string[]): { exited: Promise<number | null>; stdout: () => string; stderr: () => string; firstLine: (re: RegExp) => Promise<void> } {
  child = spawn(process.execPath, [bin, ...args], { cwd: work, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: Array<[RegExp, () => void]> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const [re, resolve] of waiters) if (re.test(out)) resolve();
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    exited,
    stdout: () => out,
    stderr: () => err,
    firstLine: (re) => new Promise<void>((resolve) => (re.test(out) ? resolve() : waiters.push([re, resolve]))),
  };
}

describe('the lockstep bin', () => {
  it('first Ctrl-C stops the run, lets its processes go and exits with 130', async () => {
    await writeFile(
      join(work, 'slow.yml'),
      'nodes: { a: { connection: local } }\nphases: [{ name: p, steps: [{ run: "echo started; sleep 30; echo never" }] }]\n',
    );
    const run = start(['run', 'slow.yml']);
    await run.firstLine(/a \| started/);
    child!.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.stdout()).not.toContain('never');
    expect(run.stdout()).toMatch(/run interrupted in /);
    expect(run.stderr()).toContain('interrupting');
  });

  it('prints a known error as code and message, without a stack, exit 2', async () => {
    await writeFile(join(work, 'bad.yml'), 'nodes: { a: { connection: local } }\nphases: [{ name: p, steps: [{ run: 42 }] }]\n');
    const check = start(['check', 'bad.yml']);
    expect(await check.exited).toBe(2);
    expect(check.stderr()).toMatch(/^LS1001 playbook has 1 problem:\n.*bad\.yml:2:\d+: /);
    expect(check.stderr()).not.toMatch(/\n\s+at /);
  });
});

describe('@lockstep/testing runCli', () => {
  it('runs the CLI in-process and returns exit code and output', async () => {
    await writeFile(join(work, 'ok.yml'), 'nodes: { a: { connection: local } }\nphases: [{ name: p, steps: [{ run: "true" }] }]\n');
    expect(await runCli(['check', 'ok.yml'], { cwd: work })).toEqual({ exitCode: 0, stdout: 'ok: 1 node, 1 phase, 1 step\n', stderr: '' });
    const bad = await runCli(['check', 'missing.yml'], { cwd: work });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^LS1002 /);
  });
});
