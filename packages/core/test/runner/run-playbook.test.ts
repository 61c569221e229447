import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alive, ofType, phase, playbook, run, step, useLocalClusters } from './fixtures/harness.js';

const cluster = useLocalClusters();

describe('runPlaybook', () => {
  it('runs phases in order, steps in order per node, with templates and LOCKSTEP_* variables', async () => {
    const { dir, nodes } = await cluster(3);
    const pb = playbook(
      dir,
      nodes,
      [
        phase('first', [
          step('run', 'echo "hello ${{ node.name }} ${{ vars.greeting }}"'),
          step('run', 'echo "$LOCKSTEP_NODE $LOCKSTEP_RUN_ID" > who; test -n "$LOCKSTEP_COORDINATOR" && test -n "$LOCKSTEP_TOKEN"'),
        ]),
        phase('second', [
          step('run', { command: 'cat who', cwd: '.' }),
          step('run', 'echo $EXTRA', { env: { EXTRA: '${{ node.name }}-x' }, name: 'extra on ${{ node.name }}' }),
        ]),
      ],
      { vars: { greeting: 'there' } },
    );

    const { result, events, finished } = await run(pb);

    expect(result).toMatchObject({ status: 'ok', exitCode: 0 });
    expect(finished).toBe(1);
    expect(events[0]).toMatchObject({ type: 'run:start', nodes: ['node1', 'node2', 'node3'], phases: ['first', 'second'], dryRun: false });
    expect(events.at(-1)).toMatchObject({ type: 'run:end', status: 'ok' });
    // Linear phases: every node ends "first" before any node starts "second".
    const lastFirst = events.findLastIndex((e) => e.type === 'node:end' && e.phase === 'first');
    const firstSecond = events.findIndex((e) => e.type === 'node:start' && e.phase === 'second');
    expect(lastFirst).toBeLessThan(firstSecond);
    for (const node of ['node1', 'node2', 'node3']) {
      const lines = ofType(events, 'step:output').filter((e) => e.step.node === node).map((e) => e.line);
      expect(lines).toEqual([`hello ${node} there`, `${node} ${result.runId}`, `${node}-x`]);
      const stepIndexes = ofType(events, 'step:end').filter((e) => e.step.node === node).map((e) => `${e.step.phase}/${e.step.index}`);
      expect(stepIndexes).toEqual(['first/0', 'first/1', 'second/0', 'second/1']);
      expect(ofType(events, 'step:end').find((e) => e.step.node === node && e.step.index === 1 && e.step.phase === 'second')?.step.label).toBe(
        `extra on ${node}`,
      );
    }
    expect(result.summary.nodes).toEqual(
      ['node1', 'node2', 'node3'].map((node) => ({ node, ok: 4, failed: 0, skipped: 0, ignored: 0, status: 'ok' })),
    );
  });

  it('runs the nodes of a phase concurrently', async () => {
    const { dir, nodes } = await cluster(3);
    // Each node waits until all three have started: only possible when they run at the same time.
    const waitForAll = 'touch ../started-$LOCKSTEP_NODE; for i in $(seq 200); do [ $(ls ../ | grep -c started-) -ge 3 ] && exit 0; sleep 0.05; done; exit 1';
    const { result } = await run(playbook(dir, nodes, [phase('together', [step('run', waitForAll)])]));
    expect(result.status).toBe('ok');
  });

  it('keeps at most `forks` nodes working at once', async () => {
    const { dir, nodes } = await cluster(5);
    // Each step records how many nodes are inside at once (mkdir is atomic), holds for a while, leaves.
    const probe = [
      'mkdir ../in-$LOCKSTEP_NODE',
      'ls -d ../in-* | wc -l > count',
      'sleep 0.3',
      'ls -d ../in-* | wc -l >> count',
      'rmdir ../in-$LOCKSTEP_NODE',
    ].join('; ');
    const { result } = await run(playbook(dir, nodes, [phase('probe', [step('run', probe)])]), { forks: 2 });
    expect(result.status).toBe('ok');
    const seen = (await Promise.all(nodes.map((node) => readFile(join(node.workdir!, 'count'), 'utf8'))))
      .flatMap((text) => text.trim().split(/\s+/))
      .map(Number);
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    expect(Math.max(...seen)).toBe(2);
  });

  it('lets nodes of a free phase go on to the next phase alone', async () => {
    const { dir, nodes } = await cluster(2);
    // node2 finishes "slow" only once node1 reached "next": impossible if "slow" waited for all nodes.
    const pb = playbook(dir, nodes, [
      phase('slow', [step('run', 'if [ "$LOCKSTEP_NODE" = node2 ]; then for i in $(seq 200); do [ -e ../node1-next ] && exit 0; sleep 0.05; done; exit 1; fi')], {
        strategy: 'free',
      }),
      phase('next', [step('run', 'touch ../$LOCKSTEP_NODE-next')]),
    ]);
    const { result, events } = await run(pb);
    expect(result.status).toBe('ok');
    const node1Next = events.findIndex((e) => e.type === 'node:start' && e.phase === 'next' && e.node === 'node1');
    const node2Slow = events.findIndex((e) => e.type === 'node:end' && e.phase === 'slow' && e.node === 'node2');
    expect(node1Next).toBeLessThan(node2Slow);
  });

  it('does not start a node on a later phase while it is still in an earlier free phase', async () => {
    const { dir, nodes } = await cluster(2);
    const pb = playbook(dir, nodes, [
      phase('slow', [step('run', '[ "$LOCKSTEP_NODE" = node2 ] || until [ -e ../node2-other ]; do sleep 0.05; done')], { strategy: 'free' }),
      phase('other', [step('run', 'touch ../node2-other')], { on: ['node2'] }),
      phase('last', [step('run', 'true')]),
    ]);
    const { result, events } = await run(pb);
    expect(result.status).toBe('ok');
    const slowEnd = events.findIndex((e) => e.type === 'node:end' && e.phase === 'slow' && e.node === 'node1');
    const lastStart = events.findIndex((e) => e.type === 'node:start' && e.phase === 'last' && e.node === 'node1');
    expect(slowEnd).toBeGreaterThan(-1);
    expect(slowEnd).toBeLessThan(lastStart);
  });

  it('runs serial batches one after another', async () => {
    const { dir, nodes } = await cluster(4);
    const { result, events } = await run(playbook(dir, nodes, [phase('rolling', [step('run', 'true')], { serial: '50%' })]));
    expect(result.status).toBe('ok');
    const order = events.filter((e) => e.type === 'node:start' || e.type === 'node:end').map((e) => `${e.type === 'node:start' ? '+' : '-'}${(e as { node: string }).node}`);
    // Batch 1 (node1, node2) ends completely before batch 2 starts.
    expect(order.slice(0, 4).sort()).toEqual(['+node1', '+node2', '-node1', '-node2']);
    expect(order.slice(4).sort()).toEqual(['+node3', '+node4', '-node3', '-node4']);
  });

  it('takes a failed node out of the run while the others go on', async () => {
    const { dir, nodes } = await cluster(3);
    const pb = playbook(dir, nodes, [
      phase('one', [step('run', '[ "$LOCKSTEP_NODE" != node2 ] || { echo broken >&2; exit 3; }'), step('run', 'touch one-done')], {
        maxFailPercentage: 50,
      }),
      phase('two', [step('run', 'touch two-done')]),
    ]);
    const { result, events } = await run(pb);

    expect(result).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(existsSync(join(nodes[0]!.workdir!, 'two-done'))).toBe(true);
    expect(existsSync(join(nodes[2]!.workdir!, 'two-done'))).toBe(true);
    expect(existsSync(join(nodes[1]!.workdir!, 'one-done'))).toBe(false);
    expect(events.some((e) => e.type === 'node:start' && e.node === 'node2' && e.phase === 'two')).toBe(false);
    const failure = ofType(events, 'step:end').find((e) => e.status === 'failed');
    expect(failure).toMatchObject({ step: { node: 'node2', phase: 'one', index: 0 }, error: { code: 'LS4001' } });
    expect(failure?.error?.message).toContain('exit code 3');
    expect(failure?.error?.message).toContain('broken');
    expect(ofType(events, 'phase:end')[0]).toMatchObject({ phase: 'one', status: 'failed', failedNodes: ['node2'] });
    expect(result.summary.nodes.find((n) => n.node === 'node2')).toMatchObject({ status: 'failed', failed: 1, ok: 0 });
    expect(result.summary.nodes.find((n) => n.node === 'node1')).toMatchObject({ status: 'ok', ok: 3 });
  });

  it('stops the run when more than max-fail-percentage of a phase failed: the phase finishes, nothing after it starts', async () => {
    const { dir, nodes } = await cluster(3);
    const pb = playbook(dir, nodes, [
      phase('risky', [step('run', 'if [ "$LOCKSTEP_NODE" = node1 ]; then exit 1; fi; sleep 0.3'), step('run', 'touch finished')], {
        maxFailPercentage: 30,
        serial: 2,
      }),
      phase('after', [step('run', 'touch after')]),
    ]);
    const { result, events } = await run(pb);

    expect(result).toMatchObject({ status: 'failed', exitCode: 1, error: { code: 'LS4004' } });
    // node2 was in the batch with node1 and finishes the phase; node3's batch and the next phase never start.
    expect(nodes.map((node) => existsSync(join(node.workdir!, 'finished')))).toEqual([false, true, false]);
    expect(events.some((e) => e.type === 'phase:start' && e.phase === 'after')).toBe(false);
    expect(events.some((e) => e.type === 'node:start' && e.node === 'node3')).toBe(false);
    expect(ofType(events, 'warning').map((e) => e.message).join()).toContain('1 of 3 nodes failed (33%), more than max-fail-percentage 30%');
    expect(result.summary.nodes.map((n) => n.status)).toEqual(['failed', 'ok', 'cancelled']);
  });

  it('with max-fail-percentage 0 (the default of a loaded playbook), one failure stops the run after the phase', async () => {
    const { dir, nodes } = await cluster(2);
    const pb = playbook(dir, nodes, [
      phase('one', [step('run', '[ "$LOCKSTEP_NODE" = node1 ] && exit 1; touch one')], { maxFailPercentage: 0 }),
      phase('two', [step('run', 'touch two')]),
    ]);
    const { result } = await run(pb);
    expect(result).toMatchObject({ status: 'failed', error: { code: 'LS4004' } });
    expect(existsSync(join(nodes[1]!.workdir!, 'one'))).toBe(true);
    expect(existsSync(join(nodes[1]!.workdir!, 'two'))).toBe(false);
  });

  it('retries a failing step, reporting each attempt', async () => {
    const { dir, nodes } = await cluster(1);
    const flaky = 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 3 ]';
    const ok = await run(playbook(dir, nodes, [phase('p', [step('run', flaky, { retries: 2 })])]));
    expect(ok.result.status).toBe('ok');
    expect(ofType(ok.events, 'step:start').map((e) => e.attempt)).toEqual([1, 2, 3]);

    const { dir: dir2, nodes: nodes2 } = await cluster(1);
    const failed = await run(playbook(dir2, nodes2, [phase('p', [step('run', flaky, { retries: 1 })])]));
    expect(failed.result.status).toBe('failed');
    expect(ofType(failed.events, 'step:start').map((e) => e.attempt)).toEqual([1, 2]);
  });

  it('marks a failure under ignore-errors as ignored and goes on', async () => {
    const { dir, nodes } = await cluster(1);
    const pb = playbook(dir, nodes, [phase('p', [step('run', 'exit 5', { ignoreErrors: true }), step('run', 'touch after')])]);
    const { result, events } = await run(pb);
    expect(result).toMatchObject({ status: 'ok', exitCode: 0 });
    expect(ofType(events, 'step:end').map((e) => e.status)).toEqual(['ignored', 'ok']);
    expect(existsSync(join(nodes[0]!.workdir!, 'after'))).toBe(true);
    expect(result.summary.nodes[0]).toMatchObject({ ok: 1, ignored: 1, status: 'ok' });
  });

  it('runs a step only on nodes where `when` holds', async () => {
    const { dir, nodes } = await cluster(2);
    const pb = playbook(dir, nodes, [phase('p', [step('run', 'touch chosen', { when: "node.name == 'node2'" })])]);
    const { result, events } = await run(pb);
    expect(result.status).toBe('ok');
    expect(existsSync(join(nodes[0]!.workdir!, 'chosen'))).toBe(false);
    expect(existsSync(join(nodes[1]!.workdir!, 'chosen'))).toBe(true);
    expect(ofType(events, 'step:end').find((e) => e.step.node === 'node1')?.status).toBe('skipped');
  });

  it('fails a step that outlives its timeout and kills its process', async () => {
    const { dir, nodes } = await cluster(1);
    const pb = playbook(dir, nodes, [phase('p', [step('run', 'echo $$ > pid; exec sleep 30', { timeoutMs: 500 })])]);
    const { result, events } = await run(pb);
    expect(result.status).toBe('failed');
    const end = ofType(events, 'step:end')[0];
    expect(end).toMatchObject({ status: 'failed', error: { code: 'LS4002' } });
    expect(end?.error?.message).toContain('timed out after 500ms');
    const pid = Number(await readFile(join(nodes[0]!.workdir!, 'pid'), 'utf8'));
    expect(alive(pid)).toBe(false);
  });

  it('fails the nodes still in a phase when the phase times out', async () => {
    const { dir, nodes } = await cluster(2);
    const pb = playbook(dir, nodes, [phase('p', [step('run', '[ "$LOCKSTEP_NODE" = node1 ] || exec sleep 30')], { timeoutMs: 500 })]);
    const { result, events } = await run(pb);
    expect(result.status).toBe('failed');
    expect(result.summary.nodes.map((n) => n.status)).toEqual(['ok', 'failed']);
    expect(ofType(events, 'step:end').find((e) => e.step.node === 'node2')?.error?.message).toContain('phase "p" timed out');
  });

  it('fails a node it cannot connect to, naming it, while the others run', async () => {
    const { dir, nodes } = await cluster(2);
    nodes[0] = { ...nodes[0]!, workdir: '/dev/null/cannot-be-a-directory' };
    const { result, events } = await run(playbook(dir, nodes, [phase('p', [step('run', 'touch ran')])]));
    expect(result).toMatchObject({ status: 'failed', exitCode: 1 });
    const end = ofType(events, 'node:end').find((e) => e.node === 'node1');
    expect(end).toMatchObject({ status: 'failed', error: { code: 'LS3001' } });
    expect(end?.error?.message).toMatch(/^node1 \(local\): /);
    expect(existsSync(join(nodes[1]!.workdir!, 'ran'))).toBe(true);
  });

  it('restricts the run to --limit nodes and groups', async () => {
    const { dir, nodes } = await cluster(3);
    const pb = playbook(dir, nodes, [phase('p', [step('run', 'touch here')])], { groups: { pair: ['node1', 'node2'] } });
    const { result } = await run(pb, { limit: ['node3'] });
    expect(result.summary.nodes.map((n) => n.node)).toEqual(['node3']);
    expect(nodes.map((node) => existsSync(join(node.workdir!, 'here')))).toEqual([false, false, true]);
    const second = await run(pb, { limit: ['pair'] });
    expect(second.result.summary.nodes.map((n) => n.node)).toEqual(['node1', 'node2']);
    await expect(run(pb, { limit: ['nope'] })).rejects.toMatchObject({ code: 'LS1005' });
  });
});
