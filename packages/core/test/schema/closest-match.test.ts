import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from '../../src/schema/closest-match.js';

describe('closestMatch', () => {
  it('finds typos, swaps and missing letters', () => {
    expect(closestMatch('tiemout', ['name', 'timeout', 'retries'])).toBe('timeout');
    expect(closestMatch('barier', ['run', 'barrier', 'semaphore'])).toBe('barrier');
    expect(closestMatch('wbe', ['web', 'db'])).toBe('web');
    expect(closestMatch('Strategy', ['strategy'])).toBe('strategy');
  });

  it('suggests nothing when nothing is close', () => {
    expect(closestMatch('b', ['a'])).toBeUndefined();
    expect(closestMatch('colour', ['name', 'delta', 'initial'])).toBeUndefined();
    expect(closestMatch('anything', [])).toBeUndefined();
  });

  it('counts an adjacent swap as one edit', () => {
    expect(editDistance('nmae', 'name')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
