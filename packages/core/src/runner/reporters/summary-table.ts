import type { RunSummary, Status } from '../events.js';

/** Options of {@link formatSummaryTable}. */
export interface SummaryTableOptions {
  /** Colours a status word; default leaves it as is. */
  paint?: (status: Status, text: string) => string;
}

const headers = ['node', 'ok', 'failed', 'skipped', 'status', 'error'] as const;
const STATUS = 4;

/**
 * Formats a run's per-node tallies as an aligned text table, the last thing plain and
 * interactive output show. The `error` column appears only when a node has an error, and holds
 * its first line:
 *
 * ```
 * node  ok  failed  skipped  status  error
 * web1   3       0        0  ok
 * web2   1       1        1  failed  LS4001 step "restart" on web2 (10.0.0.12): exit code 1
 * ```
 *
 * @param summary the `run:end` event's summary
 * @param options how to colour statuses
 * @returns the table, lines joined with `\n`, without a trailing newline; empty for no nodes
 */
export function formatSummaryTable(summary: RunSummary, options: SummaryTableOptions = {}): string {
  if (summary.nodes.length === 0) return '';
  const withError = summary.nodes.some((n) => n.error);
  const columns = withError ? headers.length : headers.length - 1;
  const rows = summary.nodes.map((n) =>
    [n.node, String(n.ok), String(n.failed), String(n.skipped), n.status, (n.error ?? '').split('\n')[0]!].slice(0, columns),
  );
  const head = headers.slice(0, columns);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const paint = options.paint ?? ((_: Status, text: string) => text);
  // Text columns align left, counts right, as people read tables of numbers. Padding is
  // computed before painting, since colour codes have no width.
  const line = (cells: readonly string[], status?: Status) =>
    cells
      .map((cell, i) => {
        const padded = i >= 1 && i <= 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
        return i === STATUS && status ? paint(status, cell) + padded.slice(cell.length) : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map((row, i) => line(row, summary.nodes[i]!.status))].join('\n');
}
