import { describe, expect, it } from 'vitest';
import { formatMs, latencyStats, scaleStats } from '../../src/ring/latency-stats.js';

describe('latency stats', () => {
  it('gives min, nearest-rank median and p99, and max', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(latencyStats(samples)).toEqual({ min: 1, median: 50, p99: 99, max: 100 });
    expect(latencyStats([3])).toEqual({ min: 3, median: 3, p99: 3, max: 3 });
    expect(latencyStats([])).toBeUndefined();
  });

  it('scales tour times to per-hop times', () => {
    expect(scaleStats({ min: 4, median: 8, p99: 12, max: 16 }, 4)).toEqual({ min: 1, median: 2, p99: 3, max: 4 });
  });

  it('formats with a readable unit', () => {
    expect(formatMs(0.085)).toBe('85µs');
    expect(formatMs(1.239)).toBe('1.24ms');
    expect(formatMs(2100)).toBe('2.10s');
  });
});
