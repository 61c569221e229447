import { describe, expect, it } from 'vitest';
import type { RingRunReport, TourReport } from '@lockstep/agent';
import { missedExpectations } from '../../src/steps/ring-latency.js';

function tour(overrides: Partial<TourReport>): TourReport {
  return {
    msgBytes: 256,
    count: 100,
    hops: 4,
    delivered: 100,
    lost: 0,
    totalMs: 50,
    tour: { min: 0.4, median: 0.5, p99: 2, max: 4 },
    perHop: { min: 0.1, median: 0.125, p99: 0.5, max: 1 },
    problems: [],
    members: [],
    ...overrides,
  };
}

function report(...tours: TourReport[]): RingRunReport {
  return { members: ['tcp:a:1', 'tcp:b:1'], tours, incomplete: tours.some((t) => t.lost > 0 || t.problems.length > 0) };
}

describe('missedExpectations', () => {
  it('passes a complete tour within its bounds', () => {
    expect(missedExpectations(report(tour({})), { p99: '1ms', median: '500ms' })).toEqual([]);
  });

  it('names each missed per-hop bound with the value and the size', () => {
    expect(missedExpectations(report(tour({}), tour({ msgBytes: 1400, perHop: { min: 1, median: 2, p99: 7, max: 9 } })), { p99: '5ms' })).toEqual([
      'msg-bytes 1400: per-hop p99 7.00ms > 5ms',
    ]);
  });

  it('counts lost messages against `lost` (default 0) and reports their problems', () => {
    const lossy = tour({ delivered: 97, lost: 3, problems: ['3 lost on the way to tcp:b:1 (b)'] });
    expect(missedExpectations(report(lossy))).toEqual(['msg-bytes 256: 3 lost (expected at most 0)', 'msg-bytes 256: 3 lost on the way to tcp:b:1 (b)']);
    expect(missedExpectations(report(lossy), { lost: 5 })).toEqual([]);
  });

  it('fails a bound when no message came back', () => {
    expect(missedExpectations(report(tour({ delivered: 0, lost: 100, perHop: undefined })), { p99: '5ms', lost: 100 })).toEqual(['msg-bytes 256: no per-hop p99 (no message came back)']);
  });
});
