import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { localNodesYaml, playbookScratch } from '@lockstep/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

const scratch = playbookScratch({ plugins: [fileURLToPath(new URL('../../', import.meta.url))] });
beforeEach(() => scratch.create());
afterEach(() => scratch.remove());

const threeNodes = localNodesYaml(['a', 'b', 'c']);

const playbook = (step: string, phase = '') => `
name: sync
${threeNodes}
phases:
  - name: sync phase
${phase}
    steps:
      - sync-protocol: ${step}
`;

describe('sync-protocol step', () => {
  it('sends HELLO, the phase\'s nodes with CURRENT on the receiver\'s own line, and START', async () => {
    const out = scratch.path('preamble');
    const result = await scratch.run(playbook(`{ command: sh ${fixture('record-preamble.sh')} ${out} }`));
    expect(result.exitCode).toBe(0);
    const seen = new Map<string, string[]>();
    for (const node of ['a', 'b', 'c']) seen.set(node, await scratch.lines(`preamble.${node}`));
    const prefix = seen.get('a')![0]!.replace(/ HELLO$/, '');
    expect(prefix).toMatch(/^LOCKSTEP:\d{19}$/);
    for (const node of ['a', 'b', 'c']) {
      expect(seen.get(node)).toEqual([
        `${prefix} HELLO`,
        `${prefix} NODE a${node === 'a' ? ' CURRENT' : ''}`,
        `${prefix} NODE b${node === 'b' ? ' CURRENT' : ''}`,
        `${prefix} NODE c${node === 'c' ? ' CURRENT' : ''}`,
        `${prefix} START`,
        `prefix from env: ${prefix}`,
      ]);
    }
  });

  it('takes a new prefix for each run', async () => {
    const prefixes: string[] = [];
    for (const run of ['one', 'two']) {
      const out = scratch.path(run);
      expect((await scratch.run(playbook(`{ command: sh ${fixture('record-preamble.sh')} ${out} }`))).exitCode).toBe(0);
      const [hello] = await scratch.lines(`${run}.a`);
      prefixes.push(hello!.replace(/ HELLO$/, ''));
    }
    expect(prefixes[0]).not.toBe(prefixes[1]);
  });

  it('uses the `prefix` option and writes `stdin` right after START', async () => {
    const out = scratch.path('preamble');
    const result = await scratch.run(
      playbook(`{ command: sh ${fixture('record-preamble.sh')} ${out} with-data, prefix: "TEST:42", stdin: "payload line" }`),
    );
    expect(result.exitCode).toBe(0);
    expect(await scratch.lines('preamble.b')).toEqual([
      'TEST:42 HELLO',
      'TEST:42 NODE a',
      'TEST:42 NODE b CURRENT',
      'TEST:42 NODE c',
      'TEST:42 START',
      'payload line',
      'prefix from env: TEST:42',
    ]);
  });

  it('broadcasts each SYNC to every node\'s tool, naming the sender', async () => {
    const out = scratch.path('syncs');
    const result = await scratch.run(playbook(`{ command: sh ${fixture('sync-all.sh')} ${out}, prefix: "P:1" }`));
    expect(result.exitCode).toBe(0);
    for (const node of ['a', 'b', 'c']) {
      const lines = await scratch.lines(`syncs.${node}`);
      expect(lines.sort()).toEqual(['P:1 SYNC a hello from a', 'P:1 SYNC b hello from b', 'P:1 SYNC c hello from c']);
    }
    // The SYNC lines themselves are protocol, not output.
    const output = result.events.flatMap((event) => (event.type === 'step:output' || event.type === 'step:log' ? [JSON.stringify(event)] : []));
    expect(output.filter((line) => line.includes('SYNC hello'))).toEqual([]);
  });

  it('answers BARRIER and SEM on stdin, reports bad lines with ERR, and passes other output through', async () => {
    const out = scratch.path('answers');
    const result = await scratch.run(playbook(`{ command: sh ${fixture('primitives.sh')} ${out}, prefix: "P:2" }`));
    expect(result.exitCode).toBe(0);
    const values = new Set<string>();
    for (const node of ['a', 'b', 'c']) {
      const [barrier, sem, unknown, badCount, ...rest] = await scratch.lines(`answers.${node}`);
      expect(barrier).toBe('P:2 BARRIER met OK 1');
      expect(sem).toMatch(/^P:2 SEM tokens OK [123]$/);
      values.add(sem!);
      expect(unknown).toBe('P:2 ERR unknown message "FROB" (expected SYNC, BARRIER or SEM)');
      expect(badCount).toBe('P:2 BARRIER met ERR count must be a positive integer, got "zero"');
      expect(rest).toEqual([]);
    }
    // Three SEM +1 from a semaphore at 0: each node saw a different value.
    expect(values.size).toBe(3);
    const text = (node: string) =>
      result.events.flatMap((event) =>
        (event.type === 'step:output' && event.step.node === node ? [event.line] : []).concat(
          event.type === 'step:log' && event.step.node === node ? [event.message] : [],
        ),
      );
    expect(text('b')).toContain('plain output from b');
    expect(text('b')).toContain('an error line from b');
  });

  it('fails the step when the tool exits non-zero, with its stderr', async () => {
    const result = await scratch.run(playbook(`{ command: 'echo "cannot sync" >&2; exit 3' }`, '    max-fail-percentage: 100'));
    expect(result.exitCode).toBe(1);
    for (const end of result.ends('sync-protocol').values()) {
      expect(end.status).toBe('failed');
      expect(end.error?.code).toBe('LS4001');
      expect(end.error?.message).toContain('sync tool exited with code 3');
      expect(end.error?.message).toContain('cannot sync');
    }
  });

  it('stops the other tools and names the node when one fails while they wait for its SYNC', async () => {
    const out = scratch.path('syncs');
    const command = `if [ "$LOCKSTEP_NODE" = c ]; then sleep 0.3; exit 1; fi; sh ${fixture('sync-all.sh')} ${out}`;
    const result = await scratch.run(playbook(`{ command: '${command}', prefix: "P:3" }`, '    max-fail-percentage: 100'));
    expect(result.exitCode).toBe(1);
    const ends = result.ends('sync-protocol');
    expect(ends.get('c')?.error?.code).toBe('LS4001');
    for (const node of ['a', 'b']) {
      expect(ends.get(node)?.error?.code).toBe('LS5004');
      expect(ends.get(node)?.error?.message).toContain('node c failed in phase "sync phase"');
    }
    // a and b got each other's SYNC but never c's.
    expect((await readFile(`${out}.a`, 'utf8')).includes('SYNC c')).toBe(false);
  });

  it('does not start when a node of the phase failed before the step', async () => {
    const result = await scratch.run(`
name: sync
${threeNodes}
phases:
  - name: deploy
    max-fail-percentage: 100
    steps:
      - run: if [ "$LOCKSTEP_NODE" = b ]; then exit 1; fi
      - sync-protocol: { command: 'echo started >> ${scratch.path('started')}' }
`);
    expect(result.exitCode).toBe(1);
    for (const node of ['a', 'c']) {
      const end = result.ends('sync-protocol').get(node);
      expect(end?.error?.code).toBe('LS5004');
      expect(end?.error?.message).toContain('could not start: node b failed in phase "deploy"');
    }
    await expect(readFile(scratch.path('started'), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
