import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '@lockstep/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';

const playbook = fileURLToPath(new URL('../playbook.yml', import.meta.url));
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lockstep-dissem-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('runs dissem\'s examples with `lockstep sem` and `lockstep barrier` from scripts on three nodes', async () => {
  const log = join(dir, 'dissem.log');
  const { exitCode, stdout } = await runCli(['run', playbook, '--plain', '--vars', `log=${log}`]);
  expect(exitCode, stdout).toBe(0);
  const lines = (await readFile(log, 'utf8')).trim().split('\n');
  const at = (prefix: string) => lines.findIndex((line) => line.startsWith(prefix));

  // Semaphore: both waiters block until n3 posts 2, and both are woken by that one post.
  const posting = at('posting n3 2');
  expect(posting).toBeGreaterThan(at('waiting n1'));
  expect(posting).toBeGreaterThan(at('waiting n2'));
  expect(at('released n1')).toBeGreaterThan(posting);
  expect(at('released n2')).toBeGreaterThan(posting);

  // Barrier: every pass comes after the last arrival, in the barrier's first generation.
  const lastArrival = Math.max(at('arrive n1'), at('arrive n2'), at('arrive n3'));
  const passes = lines.filter((line) => line.startsWith('pass '));
  expect(passes.sort()).toEqual(['pass n1 1', 'pass n2 1', 'pass n3 1']);
  for (const node of ['n1', 'n2', 'n3']) expect(at(`pass ${node}`)).toBeGreaterThan(lastArrival);

  // dissem's example 3: the value read at the end is 0.
  expect(lines.filter((line) => line.startsWith('value ')).sort()).toEqual(['value n1 0', 'value n2 0', 'value n3 0']);
});
