import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '@lockstep/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';

const playbook = fileURLToPath(new URL('../playbook.yml', import.meta.url));
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lockstep-two-phase-sync-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('commits on no node before every node has prepared', async () => {
  const log = join(dir, 'events.log');
  const { exitCode, stdout } = await runCli(['run', playbook, '--plain', '--vars', `log=${log}`]);
  expect(exitCode, stdout).toBe(0);
  const events = (await readFile(log, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => line.split(' ').slice(0, 2).join(' '));
  expect(events.slice(0, 3).sort()).toEqual(['prepared db1', 'prepared db2', 'prepared db3']);
  expect(events.slice(3).sort()).toEqual(['commit db1', 'commit db2', 'commit db3']);
  // The tools' own lines reach the report; the protocol lines do not.
  expect(stdout).toContain('db2 sees 3 nodes');
  expect(stdout).toMatch(/db\d prepared \(3\/3\)/);
  expect(stdout).not.toMatch(/LOCKSTEP:\d+ SYNC/);
});
