import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { connectCoordinator } from '@lockstep/core';
import { killStarted, lockstep, runLockstep, startCoordinator } from './coordinator-helpers.js';

afterEach(() => killStarted());

describe('lockstep sem', () => {
  it('dissem example 1: `sem SEM001 -1` blocks until another process runs `sem SEM001 1`', async () => {
    const { env } = await startCoordinator();
    const waiter = lockstep(['sem', 'SEM001', '-1'], env);
    // The waiter is blocked: a read still sees 0 and the waiter has not exited.
    expect((await runLockstep(['sem', 'SEM001', '0'], env)).stdout).toBe('0\n');
    expect(waiter.child.exitCode).toBe(null);
    expect(await runLockstep(['sem', 'SEM001', '1'], env)).toMatchObject({ code: 0, stdout: '1\n' });
    expect(await waiter.exited).toEqual({ code: 0, signal: null });
    expect(waiter.stdout()).toBe('0\n');
  });

  it('dissem example 2: four waiters and a post of 4 all return; the value is 0', async () => {
    const { env } = await startCoordinator();
    const waiters = [1, 2, 3, 4].map(() => lockstep(['sem', 'SEM001', '-1'], env));
    // Whether or not all four are queued before the post, all five must return and leave 0.
    await new Promise((r) => setTimeout(r, 300));
    expect(await runLockstep(['sem', 'SEM001', '4'], env)).toMatchObject({ code: 0, stdout: '4\n' });
    const results = await Promise.all(waiters.map((w) => w.exited));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(waiters.map((w) => w.stdout()).sort()).toEqual(['0\n', '1\n', '2\n', '3\n']);
    expect((await runLockstep(['sem', 'SEM001', '0'], env)).stdout).toBe('0\n');
  });

  it('Ctrl-C while waiting withdraws the request and exits 130, in the plain form and with options', async () => {
    const { env } = await startCoordinator();
    const observer = await connectCoordinator({ address: env.LOCKSTEP_COORDINATOR!, token: env.LOCKSTEP_TOKEN! });
    onTestFinished(() => observer.dispose());
    for (const args of [['sem', 'W', '-1'], ['sem', 'W', '-1', '--timeout', '1h']]) {
      const waiter = lockstep(args, env);
      // Once the coordinator counts it as waiting, interrupt it as a terminal's Ctrl-C would.
      await vi.waitFor(async () => expect(await observer.request('INFO sem W')).toContain(' waiting=1'), { timeout: 5000, interval: 50 });
      waiter.child.kill('SIGINT');
      expect(await waiter.exited).toEqual({ code: 130, signal: null });
      expect(waiter.stderr()).toContain('semaphore "W" -1: interrupted while waiting; the request was withdrawn');
    }
    // Neither withdrawn waiter takes the next post.
    expect((await runLockstep(['sem', 'W', '1'], env)).stdout).toBe('1\n');
  });

  it('takes options before or after a negative delta, and times out with LS5003 and exit 1', async () => {
    const { env } = await startCoordinator();
    expect(await runLockstep(['sem', 'T', '-1', '--timeout', '100ms'], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^LS5003 semaphore "T" -1: timed out after 100ms/) });
    expect(await runLockstep(['sem', '--timeout=100ms', 'T', '-2'], env)).toMatchObject({ code: 1, stderr: expect.stringContaining('LS5003') });
    expect(await runLockstep(['sem', 'fresh', '3', '--initial', '5'], env)).toMatchObject({ code: 0, stdout: '8\n' });
  });

  it('explains a bad delta and a missing coordinator', async () => {
    expect(await runLockstep(['sem', 'X', 'abc'], { LOCKSTEP_TOKEN: 't', LOCKSTEP_COORDINATOR: '127.0.0.1:1' })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('DELTA an integer'),
    });
    expect(await runLockstep(['sem', 'X', '0'], { LOCKSTEP_TOKEN: 't' })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('LS5001 no coordinator address: pass --coordinator host:port'),
    });
    expect(await runLockstep(['sem', 'X', '0', '--coordinator', '127.0.0.1:1', '--token', 't'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('LS5001 coordinator at 127.0.0.1:1 unreachable: connection refused'),
    });
  });

  it('refuses --token together with --token-file', async () => {
    expect(await runLockstep(['sem', 'X', '0', '--token', 'a', '--token-file', '/nonexistent'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('mutually exclusive properties "token" and "tokenFile"'),
    });
  });

  it('refuses a wrong token with LS5002', async () => {
    const { address } = await startCoordinator();
    expect(await runLockstep(['sem', 'X', '0', '--coordinator', address, '--token', 'nope'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('LS5002'),
    });
  });
});
