import { fileURLToPath } from 'node:url';
import { localNodesYaml, playbookScratch } from '@lockstep/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const scratch = playbookScratch({ plugins: [fileURLToPath(new URL('../../', import.meta.url))] });
beforeEach(() => scratch.create());
afterEach(() => scratch.remove());

const threeNodes = localNodesYaml(['a', 'b', 'c']);

describe('barrier step', () => {
  it('releases every node together: each release comes after the last arrival', async () => {
    const log = scratch.path('events.log');
    const result = await scratch.run(`
name: together
${threeNodes}
phases:
  - name: meet
    steps:
      # Staggered arrivals: without the barrier, a would be released long before c arrives.
      - run: case $LOCKSTEP_NODE in b) sleep 0.2;; c) sleep 0.4;; esac; echo "arrive $LOCKSTEP_NODE" >> ${log}
      - barrier: { name: met }
      - run: echo "release $LOCKSTEP_NODE" >> ${log}
`);
    expect(result.exitCode).toBe(0);
    const lines = await scratch.lines('events.log');
    expect(lines.slice(0, 3).sort()).toEqual(['arrive a', 'arrive b', 'arrive c']);
    expect(lines.slice(3).sort()).toEqual(['release a', 'release b', 'release c']);
    for (const end of result.ends('barrier').values()) expect(end.summary).toBe('met released (3, generation 1)');
  });

  it('waits for the nodes of the phase by default, not every node of the run', async () => {
    const result = await scratch.run(`
name: phase count
${threeNodes}
phases:
  - name: two of three
    on: [a, c]
    steps:
      - barrier: { name: pair }
`);
    expect(result.exitCode).toBe(0);
    const ends = result.ends('barrier');
    expect([...ends.keys()].sort()).toEqual(['a', 'c']);
    for (const end of ends.values()) expect(end.summary).toBe('pair released (2, generation 1)');
  });

  it('with serial, waits for the nodes of the batch: later batches are not counted', async () => {
    const result = await scratch.run(`
name: batches
${threeNodes}
phases:
  - name: two at a time
    serial: 2
    steps:
      - barrier: { name: batch, timeout: 20s }
`);
    expect(result.exitCode).toBe(0);
    const ends = result.ends('barrier');
    expect(ends.get('a')?.summary).toBe('batch released (2, generation 1)');
    expect(ends.get('b')?.summary).toBe('batch released (2, generation 1)');
    expect(ends.get('c')?.summary).toBe('batch released (1, generation 2)');
  });

  it('reuses a name: passing it twice fires generations 1 and 2', async () => {
    const result = await scratch.run(`
name: generations
${threeNodes}
phases:
  - name: twice
    steps:
      - barrier: { name: again }
      - barrier: { name: again }
`);
    expect(result.exitCode).toBe(0);
    const summaries = result.events.flatMap((event) => (event.type === 'step:end' && event.step.node === 'b' ? [event.summary] : []));
    expect(summaries).toEqual(['again released (3, generation 1)', 'again released (3, generation 2)']);
  });

  it('does not leave the others waiting when a node failed earlier in the phase: they fail naming it', async () => {
    const result = await scratch.run(`
name: failed before
${threeNodes}
phases:
  - name: restart
    max-fail-percentage: 100
    steps:
      - run: if [ "$LOCKSTEP_NODE" = c ]; then exit 1; fi; sleep 0.3
      - barrier: { name: restarted }
`);
    expect(result.exitCode).toBe(1);
    const ends = result.ends('barrier');
    expect([...ends.keys()].sort()).toEqual(['a', 'b']);
    for (const end of ends.values()) {
      expect(end.status).toBe('failed');
      expect(end.error?.code).toBe('LS5004');
      expect(end.error?.message).toContain('barrier "restarted" cannot be reached: node c failed in phase "restart"');
    }
  });

  it('breaks the wait of nodes already at the barrier when a node fails afterwards', async () => {
    const result = await scratch.run(`
name: failed during
${threeNodes}
phases:
  - name: restart
    max-fail-percentage: 100
    steps:
      - run: if [ "$LOCKSTEP_NODE" = c ]; then sleep 0.5; exit 1; fi
      - barrier: { name: restarted }
`);
    expect(result.exitCode).toBe(1);
    const ends = result.ends('barrier');
    expect([...ends.keys()].sort()).toEqual(['a', 'b']);
    for (const end of ends.values()) {
      expect(end.error?.code).toBe('LS5004');
      expect(end.error?.message).toContain('node c failed in phase "restart"');
    }
  });

  it('still fires a smaller explicit count when enough nodes are alive', async () => {
    const result = await scratch.run(`
name: two suffice
${threeNodes}
phases:
  - name: restart
    max-fail-percentage: 100
    steps:
      - run: if [ "$LOCKSTEP_NODE" = c ]; then exit 1; fi
      - barrier: { name: quorum, count: 2 }
`);
    const ends = result.ends('barrier');
    expect([...ends.keys()].sort()).toEqual(['a', 'b']);
    for (const end of ends.values()) expect(end.status).toBe('ok');
  });

  it('fails with the coordinator\'s timed-out error when `timeout` runs out', async () => {
    const result = await scratch.run(`
name: alone
nodes:
  a: { connection: local }
phases:
  - name: wait
    steps:
      - barrier: { name: crowd, count: 2, timeout: 300ms }
`);
    expect(result.exitCode).toBe(1);
    expect(result.ends('barrier').get('a')?.error?.code).toBe('LS5003');
  });
});
