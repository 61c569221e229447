import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runPlaybook } from '@lockstep/testing';
import { afterAll, expect, it } from 'vitest';

afterAll(async () => {
  await rm(new URL('../.lockstep', import.meta.url), { recursive: true, force: true });
});

it('pushes the site from origin to the three web nodes', async () => {
  const { result, output } = await runPlaybook(fileURLToPath(new URL('../playbook.yml', import.meta.url)));
  expect(result).toMatchObject({ status: 'ok', exitCode: 0 });
  for (const node of ['web1', 'web2', 'web3']) expect(output(node)).toEqual(['<h1>hello</h1>', '640 www/site/css/site.css']);
});
