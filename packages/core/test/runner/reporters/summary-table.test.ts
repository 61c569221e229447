import { describe, expect, it } from 'vitest';
import { formatSummaryTable } from '../../../src/runner/reporters/summary-table.js';

describe('formatSummaryTable', () => {
  it('aligns names left and counts right, without an error column when nothing failed', () => {
    const table = formatSummaryTable({
      nodes: [
        { node: 'a', ok: 10, failed: 0, skipped: 0, ignored: 0, status: 'ok' },
        { node: 'longer-name', ok: 1, failed: 0, skipped: 2, ignored: 0, status: 'skipped' },
      ],
    });
    expect(table.split('\n')).toEqual([
      'node         ok  failed  skipped  status',
      'a            10       0        0  ok',
      'longer-name   1       0        2  skipped',
    ]);
  });

  it('keeps columns aligned when statuses are coloured', () => {
    const table = formatSummaryTable(
      { nodes: [{ node: 'a', ok: 0, failed: 1, skipped: 0, ignored: 0, status: 'failed', error: 'LS3001 a: refused\nmore' }] },
      { paint: (_status, text) => `<${text}>` },
    );
    expect(table.split('\n')[1]).toBe('a      0       1        0  <failed>  LS3001 a: refused');
  });

  it('is empty for a run without nodes', () => {
    expect(formatSummaryTable({ nodes: [] })).toBe('');
  });
});
