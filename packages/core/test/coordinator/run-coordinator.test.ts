import { describe, expect, it } from 'vitest';
import { startRunCoordinator } from '../../src/coordinator/run-coordinator.js';
import { connectCoordinator } from '../../src/coordinator/tcp-client.js';

describe('startRunCoordinator', () => {
  it('serves in-process sessions and TCP clients on 127.0.0.1 with a random token', async () => {
    const run = await startRunCoordinator();
    try {
      expect(run.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(run.token).toMatch(/^[0-9a-f]{64}$/);
      const web1 = await run.session('web1');
      const script = await connectCoordinator({ address: run.address, token: run.token, name: 'script-on-web2' });
      const waiting = web1.semaphore('restart', -1);
      expect(await script.semaphore('restart', 1)).toBe(1);
      expect(await waiting).toBe(0);
      await script.dispose();
    } finally {
      await run.dispose();
    }
  });

  it('ends every session on dispose', async () => {
    const run = await startRunCoordinator();
    const web1 = await run.session('web1');
    const waiting = web1.barrier('never', 2).catch((e: { code: string }) => e.code);
    await run.dispose();
    expect(await waiting).toBe('LS5007');
  });

  it('refuses a backend this build does not have', async () => {
    const backend = { backend: 'zookeeper' } as unknown as { backend: 'memory' };
    await expect(startRunCoordinator({ backend })).rejects.toMatchObject({ code: 'LS5010' });
  });
});
