import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runPlaybook } from '@lockstep/testing';
import { afterAll, expect, it } from 'vitest';

afterAll(async () => {
  await rm(new URL('../.lockstep', import.meta.url), { recursive: true, force: true });
});

it('runs the quickstart playbook on its three local nodes', async () => {
  const { result, output } = await runPlaybook(fileURLToPath(new URL('../playbook.yml', import.meta.url)));
  expect(result).toMatchObject({ status: 'ok', exitCode: 0 });
  expect(output('alpha')[0]).toMatch(/^hello from alpha \(alpha of run [0-9a-f-]+\)$/);
  expect(output('alpha')[1]).toBe('alpha is the primary');
  expect(output('beta')).toEqual([expect.stringMatching(/^hello from beta /)]);
  const journal = output('alpha').slice(2);
  expect(journal.filter((line) => line.endsWith('worked')).sort()).toEqual(['alpha worked', 'beta worked', 'gamma worked']);
  // serial: 1 restarts beta, then gamma
  expect(journal.filter((line) => line.endsWith('restarted'))).toEqual(['beta restarted', 'gamma restarted']);
});
