import { describe, expect, it } from 'vitest';
import type { Reporter, RunEvent } from '../../../src/runner/events.js';
import { combineReporters } from '../../../src/runner/reporters/combine-reporters.js';

function recorder(fail?: string): Reporter & { seen: string[]; finished: number } {
  const seen: string[] = [];
  const r = {
    seen,
    finished: 0,
    handle(event: RunEvent) {
      if (fail && event.type === 'warning') throw new Error(fail);
      seen.push(event.type);
    },
    async finish() {
      r.finished += 1;
      if (fail) throw new Error(`${fail} on finish`);
    },
  };
  return r;
}

describe('combineReporters', () => {
  it('gives every event and the finish to each reporter, in order', async () => {
    const a = recorder();
    const b = recorder();
    const both = combineReporters(a, b);
    both.handle({ type: 'warning', time: 0, message: 'x' });
    await both.finish();
    expect(a.seen).toEqual(['warning']);
    expect(b.seen).toEqual(['warning']);
    expect([a.finished, b.finished]).toEqual([1, 1]);
  });

  it('still feeds the others when one reporter throws, then rethrows', async () => {
    const bad = recorder('broken');
    const good = recorder();
    const both = combineReporters(bad, good);
    expect(() => both.handle({ type: 'warning', time: 0, message: 'x' })).toThrow('broken');
    expect(good.seen).toEqual(['warning']);
    await expect(both.finish()).rejects.toThrow('broken on finish');
    expect(good.finished).toBe(1);
  });
});
