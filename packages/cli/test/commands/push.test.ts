import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '@lockstep/agent';
import { runCli } from '../run-cli.js';

// Two agents in this process, on loopback (clear text is allowed there), on a group of their own.
const dir = mkdtempSync(join(tmpdir(), 'lockstep-cli-push-'));
const group = `239.192.77.${1 + (process.pid % 250)}:${20000 + (process.pid % 20000)}`;
let a: Agent;
let b: Agent;
const control = `unix:${join(dir, 'a.sock')}`;

beforeAll(async () => {
  for (const name of ['a', 'b']) rmSync(join(dir, name), { recursive: true, force: true });
  await import('node:fs').then((fs) => ['a', 'b'].forEach((n) => fs.mkdirSync(join(dir, n))));
  a = await Agent.start({ base: join(dir, 'a'), name: 'a', group, control: [control, 'tcp:127.0.0.1:0'], announceInterval: '200ms' });
  b = await Agent.start({ base: join(dir, 'b'), name: 'b', group, control: [`unix:${join(dir, 'b.sock')}`, 'tcp:127.0.0.1:0'], announceInterval: '200ms' });
  for (let i = 0; i < 50 && a.members.list().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
});

afterAll(async () => {
  await a?.dispose();
  await b?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('lockstep members and push', () => {
  it('lists the live members', async () => {
    const { exitCode, stdout } = await runCli(['members', '-c', control]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^b \(127\.0\.0\.1\) last heard/m);
  });

  it('pushes a file, dry run first', async () => {
    writeFileSync(join(dir, 'a', 'hello.txt'), 'hi\n');
    const dry = await runCli(['push', '-n', 'hello.txt'], { env: { LOCKSTEP_AGENT: control } });
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain('would send file hello.txt to b');
    expect(() => readFileSync(join(dir, 'b', 'hello.txt'))).toThrow();
    const push = await runCli(['push', 'hello.txt'], { env: { LOCKSTEP_AGENT: control } });
    expect(push.exitCode).toBe(0);
    expect(push.stdout).toMatch(/^ok {5}b \(127\.0\.0\.1\): 1 sent, 0 unchanged$/m);
    expect(readFileSync(join(dir, 'b', 'hello.txt'), 'utf8')).toBe('hi\n');
  });

  it('exits 1 naming a target that is not live', async () => {
    const { exitCode, stdout, stderr } = await runCli(['push', '-c', control, '-t', 'ghost', 'hello.txt']);
    expect(exitCode).toBe(1);
    expect(stdout).toContain('failed ghost');
    expect(stderr).toContain('LS6005 push incomplete: ghost: not a live member');
  });

  it('exits 2 without paths, and 1 (LS6001) when no agent answers', async () => {
    expect((await runCli(['push', '-c', control])).exitCode).toBe(2);
    const missing = await runCli(['members', '-c', `unix:${join(dir, 'nobody.sock')}`]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('LS6001');
  });
});

describe('lockstep ring', () => {
  it('runs a sweep around a ring of two agents and echoes them', async () => {
    const members = [a.controls[1], b.controls[1]].join(',');
    const run = await runCli(['ring', 'run', '-c', control, '--members', members, '--msg-bytes', '64,512', '--count', '20', '--forward-immediately']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/msg-bytes 64 × 20: tour .* total/);
    expect(run.stdout).toMatch(/per hop min .* median .* p99 .* max/);
    expect(run.stdout.match(/complete, 0 lost/g)).toHaveLength(2);
    const echo = await runCli(['ring', 'echo', '-c', control]);
    expect(echo.exitCode).toBe(0);
    expect(echo.stdout).toContain(`${b.controls[1]} (b) rtt`);
  });

  it('refuses a message size over one datagram with LS6008', async () => {
    const { exitCode, stderr } = await runCli(['ring', 'run', '-c', control, '--msg-bytes', '70000']);
    expect(exitCode).toBe(1);
    expect(stderr).toContain('LS6008');
  });
});
