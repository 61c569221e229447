import { describe, expect, it } from 'vitest';
import { unreachableBarrier } from '../src/failed-peers.js';

const phase = { name: 'restart', nodes: ['web1', 'web2', 'web3'] };

describe('unreachableBarrier', () => {
  it('is fine while nobody failed', () => {
    expect(unreachableBarrier({ name: 'b', count: 3 }, phase, [])).toBeUndefined();
  });

  it('breaks a barrier of every node when one node failed, naming it', () => {
    const error = unreachableBarrier({ name: 'b', count: 3 }, phase, ['web2']);
    expect(error?.code).toBe('LS5004');
    expect(error?.message).toContain('node web2 failed in phase "restart"');
    expect(error?.message).toContain('only 2 of the phase\'s 3 nodes can still arrive');
  });

  it('keeps a smaller barrier while enough nodes are alive', () => {
    expect(unreachableBarrier({ name: 'b', count: 2 }, phase, ['web2'])).toBeUndefined();
    expect(unreachableBarrier({ name: 'b', count: 2 }, phase, ['web2', 'web3'])?.message).toContain('nodes web2, web3 failed');
  });

  it('ignores failures outside the phase', () => {
    expect(unreachableBarrier({ name: 'b', count: 3 }, phase, ['db1'])).toBeUndefined();
  });
});

describe('unreachableBarrier naming', () => {
  it('names the nodes that failed for their own reasons, not those a broken barrier failed', () => {
    const error = unreachableBarrier({ name: 'b', count: 3 }, phase, ['web3', 'web1'], new Set(['web1']));
    expect(error?.message).toContain('node web3 failed');
    expect(error?.message).toContain('only 1 of the phase\'s 3 nodes can still arrive');
  });
});
