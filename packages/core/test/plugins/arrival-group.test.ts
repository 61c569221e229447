import { EventEmitter } from '../../src/event.js';
import type { StepContext } from '../../src/plugins/api.js';
import { describe, expect, it, vi } from 'vitest';
import { joinArrivalGroup, type Arrival, type MemberResult } from '../../src/plugins/arrival-group.js';

let runs = 0;

/** Step contexts of one phase of a fresh run, as much of them as the group reads. */
function phase(nodes: string[]) {
  const failed: string[] = [];
  const onFail = new EventEmitter<string>();
  const run = { id: `run-${++runs}`, dryRun: false, nodes: new Map(), subscriptions: [], abort() {} };
  const contexts = new Map(
    nodes.map((name) => {
      const controller = new AbortController();
      const context = {
        node: { name },
        phase: { name: 'p', nodes, failedNodes: () => failed, onDidFailNode: onFail.event },
        signal: controller.signal,
        run,
      } as unknown as StepContext;
      return [name, { context, controller }] as const;
    }),
  );
  return {
    contexts,
    run,
    fail(name: string) {
      failed.push(name);
      onFail.fire(name);
    },
  };
}

const echo = async (members: readonly Arrival<string>[]) =>
  new Map<string, MemberResult<string>>(members.map((m) => [m.context.node.name, { ok: true, value: `${m.args}/${members.length}` }]));

describe('joinArrivalGroup', () => {
  it('runs the work once, with every node of the phase, and gives each node its own result', async () => {
    const { contexts } = phase(['a', 'b', 'c']);
    const work = vi.fn(echo);
    const results = await Promise.all(['a', 'b', 'c'].map((n) => joinArrivalGroup(n.toUpperCase(), contexts.get(n)!.context, { kind: 't', work })));
    expect(results).toEqual(['A/3', 'B/3', 'C/3']);
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('starts without a node that failed in the phase, and without one that was cancelled', async () => {
    const { contexts, fail } = phase(['a', 'b', 'c']);
    const work = vi.fn(echo);
    const a = joinArrivalGroup('a', contexts.get('a')!.context, { kind: 't', work });
    const b = joinArrivalGroup('b', contexts.get('b')!.context, { kind: 't', work, graceMs: 60_000 });
    contexts.get('b')!.controller.abort(new Error('cancelled'));
    await expect(b).rejects.toThrow('cancelled');
    expect(work).not.toHaveBeenCalled();
    fail('c');
    fail('b');
    expect(await a).toBe('a/1');
  });

  it('starts after the grace period with the nodes present, and a late node forms its own group', async () => {
    const { contexts } = phase(['a', 'b']);
    const work = vi.fn(echo);
    expect(await joinArrivalGroup('a', contexts.get('a')!.context, { kind: 't', work, graceMs: 10 })).toBe('a/1');
    expect(await joinArrivalGroup('b', contexts.get('b')!.context, { kind: 't', work, graceMs: 10 })).toBe('b/1');
    expect(work).toHaveBeenCalledTimes(2);
  });

  it('meets the n-th step of a kind on each node with the n-th on the others', async () => {
    const { contexts } = phase(['a', 'b']);
    const work = vi.fn(echo);
    const ctx = (n: string) => contexts.get(n)!.context;
    const first = Promise.all([joinArrivalGroup('a1', ctx('a'), { kind: 't', work }), joinArrivalGroup('b1', ctx('b'), { kind: 't', work })]);
    expect(await first).toEqual(['a1/2', 'b1/2']);
    const second = Promise.all([joinArrivalGroup('a2', ctx('a'), { kind: 't', work }), joinArrivalGroup('b2', ctx('b'), { kind: 't', work })]);
    expect(await second).toEqual(['a2/2', 'b2/2']);
    expect(work).toHaveBeenCalledTimes(2);
  });
});
