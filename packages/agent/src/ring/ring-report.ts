import { formatMs } from './latency-stats.js';
import type { LatencyStats } from './latency-stats.js';

/** One tour (one message size) of a ring run. */
export interface TourReport {
  msgBytes: number;
  count: number;
  /** Members, i.e. hops of one tour. */
  hops: number;
  /** Messages that came back. */
  delivered: number;
  lost: number;
  /** Wall time of the whole tour on the origin. */
  totalMs: number;
  /** Over the delivered messages' tour times. */
  tour?: LatencyStats;
  /** Tour times divided by the hops. */
  perHop?: LatencyStats;
  /** Members that did not answer, or where messages stopped: `name: reason`. */
  problems: string[];
  /** Per member: what it received and forwarded, in ring order. */
  members: Array<{ control: string; received?: number; forwarded?: number; error?: string }>;
}

/** What `ring.run` returns. */
export interface RingRunReport {
  members: string[];
  tours: TourReport[];
  /** True when any tour lost messages or a member did not answer. */
  incomplete: boolean;
}

function stats(label: string, s: LatencyStats | undefined): string {
  return s ? `${label} min ${formatMs(s.min)} median ${formatMs(s.median)} p99 ${formatMs(s.p99)} max ${formatMs(s.max)}` : `${label} n/a`;
}

/**
 * Formats a ring run for the terminal.
 * @param report what `ring.run` returned
 * @returns lines without newlines
 */
export function formatRingReport(report: RingRunReport): string[] {
  const lines: string[] = [`ring of ${report.members.length}: ${report.members.join(' → ')}`];
  for (const tour of report.tours) {
    lines.push(`msg-bytes ${tour.msgBytes} × ${tour.count}: tour ${formatMs(tour.totalMs)} total`);
    lines.push(`  ${stats('tour   ', tour.tour)}`);
    lines.push(`  ${stats('per hop', tour.perHop)}`);
    lines.push(tour.lost > 0 || tour.problems.length > 0 ? `  incomplete, ${tour.lost} lost` : '  complete, 0 lost');
    for (const problem of tour.problems) lines.push(`  ${problem}`);
  }
  return lines;
}
