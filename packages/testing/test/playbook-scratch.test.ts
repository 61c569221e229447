import { existsSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { localNodesYaml, playbookScratch } from '../src/index.js';

const scratch = playbookScratch();
afterEach(() => scratch.remove());

it('runs a playbook in a fresh directory, with its exit code, output and step ends by node', async () => {
  await scratch.create();
  const result = await scratch.run(`
name: scratch
${localNodesYaml(['a', 'b'])}
phases:
  - name: write
    steps:
      - run: echo "hi $LOCKSTEP_NODE"; echo "$LOCKSTEP_NODE" >> ${scratch.path('nodes.log')}
`);
  expect(result.exitCode).toBe(0);
  expect(result.output('a')).toEqual(['hi a']);
  expect([...result.ends('run').keys()].sort()).toEqual(['a', 'b']);
  expect((await scratch.lines('nodes.log')).sort()).toEqual(['a', 'b']);
});

it('removes the directory, and refuses paths before create()', async () => {
  expect(() => scratch.dir).toThrow(/create\(\)/);
  await scratch.create();
  const dir = scratch.dir;
  expect(existsSync(dir)).toBe(true);
  await scratch.remove();
  expect(existsSync(dir)).toBe(false);
  await scratch.remove();
});
