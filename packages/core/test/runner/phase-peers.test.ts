import { describe, expect, it } from 'vitest';
import { ErrorCodes, EventEmitter, LockstepError, failedPhasePeers, markPhaseFallout, watchPhasePeers, type StepContext } from '../../src/index.js';

/** Just the parts of a step context the watch reads: the phase, the node, the run, the signal. */
function fakeContext(node: string, nodes: string[]) {
  const failed: string[] = [];
  const onDidFailNode = new EventEmitter<string>();
  const run = { id: 'r' };
  const context = {
    node: { name: node },
    run,
    signal: new AbortController().signal,
    phase: { name: 'p', nodes, failedNodes: () => [...failed], onDidFailNode: onDidFailNode.event },
  } as unknown as StepContext;
  const fail = (name: string) => {
    failed.push(name);
    onDidFailNode.fire(name);
  };
  return { context, fail, contextOf: (name: string) => ({ ...context, node: { name } }) as unknown as StepContext };
}

const broken = ({ causes }: { causes: readonly string[] }) => new LockstepError(ErrorCodes.BARRIER_BROKEN, `failed: ${causes.join(', ')}`);

describe('failedPhasePeers', () => {
  it('keeps failed nodes of the phase other than the asking node, and names causes before fallout', () => {
    expect(failedPhasePeers({ nodes: ['a', 'b', 'c'] }, ['a', 'b', 'x'], { self: 'a' })).toEqual({ failed: ['b'], causes: ['b'] });
    expect(failedPhasePeers({ nodes: ['a', 'b', 'c'] }, ['b', 'c'], { fallout: new Set(['b']) })).toEqual({ failed: ['b', 'c'], causes: ['c'] });
    expect(failedPhasePeers({ nodes: ['a', 'b'] }, ['b'], { fallout: new Set(['b']) })).toEqual({ failed: ['b'], causes: ['b'] });
  });
});

describe('watchPhasePeers', () => {
  it('aborts its signal with the error `breaks` returns when a peer fails, and not before', () => {
    const { context, fail } = fakeContext('a', ['a', 'b']);
    const watch = watchPhasePeers(context, broken);
    expect(watch.signal.aborted).toBe(false);
    expect(watch.broken()).toBeUndefined();
    fail('b');
    expect(watch.signal.aborted).toBe(true);
    expect(watch.broken()?.message).toBe('failed: b');
    watch.dispose();
  });

  it('sees failures from before it started, and names the cause rather than marked fallout', () => {
    const { context, fail, contextOf } = fakeContext('a', ['a', 'b', 'c']);
    fail('c');
    fail('b');
    markPhaseFallout(contextOf('b'));
    const watch = watchPhasePeers(context, broken);
    expect(watch.signal.reason).toBeInstanceOf(LockstepError);
    expect(watch.broken()?.message).toBe('failed: c');
    watch.dispose();
  });
});
