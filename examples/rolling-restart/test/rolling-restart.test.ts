import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '@lockstep/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';

const playbook = fileURLToPath(new URL('../playbook.yml', import.meta.url));
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lockstep-rolling-restart-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('restarts the three nodes one at a time: the recorded intervals never overlap', async () => {
  const log = join(dir, 'restarts.log');
  const { exitCode, stdout } = await runCli(['run', playbook, '--plain', '--vars', `log=${log}`]);
  expect(exitCode, stdout).toBe(0);
  const records = (await readFile(log, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => {
      const [event, node, ns] = line.split(' ');
      return { event, node, at: BigInt(ns!) };
    });
  expect(records).toHaveLength(6);
  // In file order: start X, end X, start Y, end Y, … and each start after the previous end.
  for (let i = 0; i < records.length; i += 2) {
    const start = records[i]!;
    const end = records[i + 1]!;
    expect([start.event, end.event, end.node]).toEqual(['start', 'end', start.node]);
    if (i > 0) expect(start.at > records[i - 1]!.at).toBe(true);
  }
  expect(new Set(records.map((record) => record.node))).toEqual(new Set(['web1', 'web2', 'web3']));
  expect(stdout).toContain('all restarted ok');
});
