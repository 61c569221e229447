import { describe, expect, it } from 'vitest';
import { Limiter, serialBatches } from '../../src/runner/schedule.js';

describe('serialBatches', () => {
  const nodes = ['a', 'b', 'c', 'd', 'e'];

  it('keeps every node in one batch without serial', () => {
    expect(serialBatches(nodes, undefined)).toEqual([nodes]);
    expect(serialBatches(nodes, 0)).toEqual([nodes]);
  });

  it('cuts batches of a number of nodes', () => {
    expect(serialBatches(nodes, 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(serialBatches(nodes, 9)).toEqual([nodes]);
  });

  it('cuts batches of a percentage, rounded down, at least one node', () => {
    expect(serialBatches(nodes, '40%')).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(serialBatches(nodes, '10%')).toEqual([['a'], ['b'], ['c'], ['d'], ['e']]);
    expect(serialBatches(nodes, '100%')).toEqual([nodes]);
  });

  it('names the option and the value it refuses', () => {
    expect(() => serialBatches(nodes, 'half')).toThrow('serial: expected a positive integer or a percentage like "30%", got "half"');
    expect(() => serialBatches(nodes, -1)).toThrow(TypeError);
  });
});

describe('Limiter', () => {
  it('runs at most `concurrency` tasks at once, in arrival order', async () => {
    const limiter = new Limiter(2);
    const started: number[] = [];
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 5 }, () => deferred());
    const tasks = gates.map((gate, index) =>
      limiter.run(async () => {
        started.push(index);
        running++;
        peak = Math.max(peak, running);
        await gate.promise;
        running--;
        return index;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1]!.resolve();
    await tasks[1];
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates.forEach((gate) => gate.resolve());
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(limiter.active).toBe(0);
  });

  it('frees the slot of a task that throws', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
