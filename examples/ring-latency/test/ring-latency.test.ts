import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runPlaybook } from '@lockstep/testing';
import { afterAll, expect, it } from 'vitest';

afterAll(async () => {
  await rm(new URL('../.lockstep', import.meta.url), { recursive: true, force: true });
});

it('tours the ring of three local agents for three sizes and meets the expectation', async () => {
  const { result, events } = await runPlaybook(fileURLToPath(new URL('../playbook.yml', import.meta.url)));
  expect(result).toMatchObject({ status: 'ok', exitCode: 0 });
  const text = JSON.stringify(events);
  for (const size of [64, 512, 1400]) expect(text).toContain(`${size}B per hop median`);
});
