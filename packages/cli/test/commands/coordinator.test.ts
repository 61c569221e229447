import { afterEach, describe, expect, it } from 'vitest';
import { killStarted, lockstep, runLockstep, startCoordinator } from './coordinator-helpers.js';

afterEach(() => killStarted());

describe('lockstep coordinator', () => {
  it('prints its address and, when it made one, its token, and serves clients with them', async () => {
    const p = lockstep(['coordinator', '--listen', '127.0.0.1:0']);
    const address = (await p.line(/^LOCKSTEP_COORDINATOR=/)).split('=')[1]!;
    const token = (await p.line(/^LOCKSTEP_TOKEN=/)).split('=')[1]!;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    expect(await runLockstep(['sem', 'x', '2', '--coordinator', address, '--token', token])).toMatchObject({ code: 0, stdout: '2\n' });
  });

  it('exits after --lifespan seconds without clients, counting from the last one', async () => {
    const { process: p, env } = await startCoordinator(['--lifespan', '1']);
    // A client keeps it alive past the lifespan...
    const holder = lockstep(['lock', '--', 'sh', '-c', 'echo held; sleep 1.5'], env);
    await holder.line(/^held/);
    expect((await holder.exited).code).toBe(0);
    // ...and once it left, the coordinator exits on its own.
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  it('refuses --lifespan 0 (a client option) and a bad address', async () => {
    expect(await runLockstep(['coordinator', '--lifespan', '0'])).toMatchObject({ code: 2, stderr: expect.stringContaining('never start a coordinator') });
    expect(await runLockstep(['coordinator', '--listen', 'nowhere'])).toMatchObject({ code: 1, stderr: expect.stringContaining('LS5001 invalid coordinator address "nowhere"') });
  });

  it('stops on SIGTERM and ends its clients’ sessions', async () => {
    const { process: p, env } = await startCoordinator();
    const holder = lockstep(['lock', '--', 'sh', '-c', 'echo held; exec sleep 30'], env);
    await holder.line(/^held/);
    p.child.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
    expect((await holder.exited).code).toBe(99);
    expect(holder.stderr()).toContain('lost the connection to the coordinator');
  });

  it('shows help with examples', async () => {
    const help = await runLockstep(['coordinator', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--lifespan');
    expect(help.stdout).toContain('lockstep coordinator --listen 0.0.0.0:28015');
  });
});
