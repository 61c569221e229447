import { afterEach, describe, expect, it } from 'vitest';
import { killStarted, lockstep, runLockstep, startCoordinator } from './coordinator-helpers.js';

afterEach(() => killStarted());

/**
 * Waits until `count` participants are at barrier `name`, by probing with a count of 1: while a
 * generation is open, the mismatch error says how many arrived and releases nobody; while none
 * is, the probe passes alone (using up a generation number) and is repeated.
 */
async function arrivals(env: Record<string, string>, name: string, count: number): Promise<void> {
  for (;;) {
    const probe = await runLockstep(['barrier', name, '1'], env);
    if (probe.stderr.includes(`(${count} arrived)`)) return;
  }
}

describe('lockstep barrier', () => {
  it('releases both processes when the second arrives, and starts a new generation after', async () => {
    const { env } = await startCoordinator();
    const first = lockstep(['barrier', 'BR001', '2'], env);
    await new Promise((r) => setTimeout(r, 200));
    expect(first.child.exitCode).toBe(null);
    expect(await runLockstep(['barrier', 'BR001', '2'], env)).toMatchObject({ code: 0, stdout: '1\n' });
    expect((await first.exited).code).toBe(0);
    expect(first.stdout()).toBe('1\n');
    const again = await Promise.all([runLockstep(['barrier', 'BR001', '2'], env), runLockstep(['barrier', 'BR001', '2'], env)]);
    expect(again.map((r) => r.stdout)).toEqual(['2\n', '2\n']);
  });

  it('fails an arrival with a different count (LS5004) and keeps the others waiting', async () => {
    const { env } = await startCoordinator();
    const first = lockstep(['barrier', 'B', '2'], env);
    await arrivals(env, 'B', 1);
    expect(await runLockstep(['barrier', 'B', '3'], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^LS5004 barrier "B": this arrival expects 3/) });
    expect(first.child.exitCode).toBe(null);
    expect(await runLockstep(['barrier', 'B', '2'], env)).toMatchObject({ code: 0 });
    expect((await first.exited).code).toBe(0);
  });

  it('tells the others when a participant is killed before the barrier fires', async () => {
    const { env } = await startCoordinator();
    const survivor = lockstep(['barrier', 'K', '3'], { ...env, LOCKSTEP_NODE: 'web1' });
    const victim = lockstep(['barrier', 'K', '3'], { ...env, LOCKSTEP_NODE: 'web2' });
    await arrivals(env, 'K', 2);
    victim.child.kill('SIGKILL');
    expect((await survivor.exited).code).toBe(1);
    expect(survivor.stderr()).toMatch(/^LS5004 barrier "K" generation \d+ is broken: web2\/barrier \(session [0-9a-f]+\) left before it fired/);
  });
});
