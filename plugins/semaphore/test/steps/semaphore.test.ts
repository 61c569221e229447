import { fileURLToPath } from 'node:url';
import { localNodesYaml, playbookScratch } from '@lockstep/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const scratch = playbookScratch({ plugins: [fileURLToPath(new URL('../../', import.meta.url))] });
beforeEach(() => scratch.create());
afterEach(() => scratch.remove());

const threeNodes = localNodesYaml(['a', 'b', 'c']);

describe('semaphore step', () => {
  it('lets one node at a time through a semaphore created with value 1', async () => {
    const log = scratch.path('intervals.log');
    const result = await scratch.run(`
name: serialize
${threeNodes}
phases:
  - name: one at a time
    steps:
      - semaphore: { name: slot, delta: -1, initial: 1 }
      - run: echo "start $LOCKSTEP_NODE" >> ${log}; sleep 0.2; echo "end $LOCKSTEP_NODE" >> ${log}
      - semaphore: { name: slot, delta: 1 }
`);
    expect(result.exitCode).toBe(0);
    const lines = await scratch.lines('intervals.log');
    expect(lines).toHaveLength(6);
    // Without the semaphore the three 0.2 s intervals overlap; with it each start is
    // followed by the same node's end before anyone else starts.
    for (let i = 0; i < lines.length; i += 2) {
      const node = lines[i]!.replace('start ', '');
      expect(lines[i]).toBe(`start ${node}`);
      expect(lines[i + 1]).toBe(`end ${node}`);
    }
    expect(new Set(lines.filter((line) => line.startsWith('start')))).toEqual(new Set(['start a', 'start b', 'start c']));
  });

  it('shows the value after each operation, creating the semaphore with `initial`', async () => {
    const result = await scratch.run(`
name: values
nodes:
  a: { connection: local }
phases:
  - name: count
    steps:
      - semaphore: { name: s, delta: 0, initial: 5 }
      - semaphore: { name: s, delta: 2, initial: 100 }
      - semaphore: { name: s, delta: -3 }
`);
    expect(result.exitCode).toBe(0);
    const summaries = result.events.flatMap((event) => (event.type === 'step:end' ? [event.summary] : []));
    expect(summaries).toEqual(['s = 5', 's = 7', 's = 4']);
  });

  it('fails the step with the coordinator\'s timed-out error when `timeout` runs out', async () => {
    const result = await scratch.run(`
name: timeout
nodes:
  a: { connection: local }
phases:
  - name: wait
    steps:
      - semaphore: { name: never, delta: -1, timeout: 300ms }
      - run: echo should not run
`);
    expect(result.exitCode).toBe(1);
    const end = result.ends('semaphore').get('a');
    expect(end?.status).toBe('failed');
    expect(end?.error?.code).toBe('LS5003');
    expect(end?.error?.message).toMatch(/never/);
    expect(result.ends('run').size).toBe(0);
  });

  it('gives up at the step\'s own `timeout` and withdraws the request', async () => {
    const result = await scratch.run(`
name: step timeout
nodes:
  a: { connection: local }
  b: { connection: local }
phases:
  - name: wait
    on: [a]
    max-fail-percentage: 100
    steps:
      - semaphore: { name: gate, delta: -1 }
        timeout: 300ms
  - name: post
    on: [b]
    steps:
      - semaphore: { name: gate, delta: 1 }
`);
    expect(result.exitCode).toBe(1);
    const ends = result.ends('semaphore');
    expect(ends.get('a')?.error?.code).toBe('LS4002');
    // Had a's -1 stayed queued, b's +1 would have gone to it and left 0.
    expect(ends.get('b')?.summary).toBe('gate = 1');
  });
});
