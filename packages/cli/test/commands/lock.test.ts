import { afterEach, describe, expect, it } from 'vitest';
import { killStarted, lockstep, runLockstep, startCoordinator } from './coordinator-helpers.js';

afterEach(() => killStarted());

/** A command that prints its start and end time (ns) around a sleep. */
const timed = (seconds: number): string[] => ['sh', '-c', `date +start=%s%N; sleep ${seconds}; date +end=%s%N`];
const stamp = (output: string, key: 'start' | 'end'): bigint => BigInt(new RegExp(`^${key}=(\\d+)$`, 'm').exec(output)![1]!);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('lockstep lock', () => {
  it('flom use case 9: the second command on a resource starts after the first has ended', async () => {
    const { env } = await startCoordinator();
    const first = lockstep(['lock', '--resource', 'uc9', '--', ...timed(1)], env);
    await first.line(/^start=/);
    const second = lockstep(['lock', '--resource', 'uc9', '--', ...timed(0)], env);
    expect((await first.exited).code).toBe(0);
    expect((await second.exited).code).toBe(0);
    expect(stamp(second.stdout(), 'start')).toBeGreaterThanOrEqual(stamp(first.stdout(), 'end'));
  });

  it('exits with the command’s status and gives it LOCKSTEP_FENCE', async () => {
    const { env } = await startCoordinator();
    const result = await runLockstep(['lock', '--', 'sh', '-c', 'echo fence=$LOCKSTEP_FENCE; exit 3'], env);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^fence=\d+$/m);
  });

  it('has its own exit codes: 98 busy, 96 could not wait, 97 did not start, 99 other error', async () => {
    const { env } = await startCoordinator();
    const holder = lockstep(['lock', '--resource', 'busy', '--', 'sh', '-c', 'echo held; sleep 30'], env);
    await holder.line(/^held/);
    expect(await runLockstep(['lock', '--resource', 'busy', '--wait', '0', '--', 'true'], env)).toMatchObject({
      code: 98,
      stderr: expect.stringContaining('LS5005 lock "busy" is busy'),
    });
    expect(await runLockstep(['lock', '--resource', 'busy', '--wait', '200ms', '--', 'true'], env)).toMatchObject({
      code: 96,
      stderr: expect.stringContaining('LS5003'),
    });
    expect(await runLockstep(['lock', '--resource', 'free', '--', 'no-such-command-xyz'], env)).toMatchObject({
      code: 97,
      stderr: expect.stringContaining('command did not start: no-such-command-xyz'),
    });
    expect(await runLockstep(['lock', '--coordinator', '127.0.0.1:1', '--token', 't', '--', 'true'])).toMatchObject({
      code: 99,
      stderr: expect.stringContaining('LS5001'),
    });
  });

  it('passes signals to the command and releases the lock only after it exits', async () => {
    const { env } = await startCoordinator();
    const script = 'trap "echo got-term; sleep 0.5; date +end=%s%N; exit 7" TERM; echo ready; while :; do sleep 0.1; done';
    const locked = lockstep(['lock', '--resource', 'sig', '--', 'sh', '-c', script], env);
    await locked.line(/^ready/);
    const next = lockstep(['lock', '--resource', 'sig', '--', 'sh', '-c', 'date +start=%s%N'], env);
    locked.child.kill('SIGTERM');
    const { code } = await locked.exited;
    // The command's own status after it handled the forwarded signal.
    expect(code).toBe(7);
    expect(locked.stdout()).toMatch(/got-term\nend=\d+\n/);
    expect((await next.exited).code).toBe(0);
    // The next holder started after the first command had exited, not when the signal came.
    expect(stamp(next.stdout(), 'start')).toBeGreaterThanOrEqual(stamp(locked.stdout(), 'end'));
  });

  it('stops the command when the coordinator is lost, and exits 99', async () => {
    const { process: coordinator, env } = await startCoordinator();
    const locked = lockstep(['lock', '--', 'sh', '-c', 'echo pid=$$; exec sleep 30'], env);
    const pid = Number((await locked.line(/^pid=/)).slice(4));
    coordinator.child.kill('SIGKILL');
    expect((await locked.exited).code).toBe(99);
    expect(locked.stderr()).toContain('the lock no longer protects the command: stopping it');
    expect(alive(pid)).toBe(false);
  });

  it('keeps the command running with --keep-running-if-lost, with a warning', async () => {
    const { process: coordinator, env } = await startCoordinator();
    const locked = lockstep(['lock', '--keep-running-if-lost', '--', 'sh', '-c', 'echo ready; sleep 1; echo finished'], env);
    await locked.line(/^ready/);
    coordinator.child.kill('SIGKILL');
    expect((await locked.exited).code).toBe(0);
    expect(locked.stdout()).toContain('finished');
    expect(locked.stderr()).toContain('warning:');
  });

  it('allows N holders of name[N] and several shared holders', async () => {
    const { env } = await startCoordinator();
    const hold = (args: string[]) => lockstep(['lock', ...args, '--', 'sh', '-c', 'echo held; sleep 30'], env);
    const a = hold(['--resource', 'pool[2]']);
    const b = hold(['--resource', 'pool[2]']);
    await Promise.all([a.line(/^held/), b.line(/^held/)]);
    expect((await runLockstep(['lock', '--resource', 'pool[2]', '--wait', '0', '--', 'true'], env)).code).toBe(98);
    const r1 = hold(['--resource', 'cfg', '--shared']);
    const r2 = hold(['--resource', 'cfg', '--shared']);
    await Promise.all([r1.line(/^held/), r2.line(/^held/)]);
    expect((await runLockstep(['lock', '--resource', 'cfg', '--wait', '0', '--', 'true'], env)).code).toBe(98);
  });
});
