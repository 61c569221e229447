/** How one member fared in a push. */
export interface MemberOutcome {
  id: string;
  name: string;
  address: string;
  status: 'ok' | 'failed';
  /** Entries written on the member. */
  sent: number;
  /** Entries the member already had. */
  unchanged: number;
  /** Why the member failed: named, never silently stale. */
  error?: string;
  /** Paths `--delete` removed (or, dry, would remove). */
  deleted: string[];
}

/** What a push did, for people (`lockstep push`) and for `--json` and step data. */
export interface PushReport {
  dryRun: boolean;
  /** Entries considered. */
  entries: number;
  /** File bytes multicast once (repairs not counted). */
  bytes: number;
  /** Chunks sent again after NACKs. */
  repaired: number;
  durationMs: number;
  members: MemberOutcome[];
  /** Dry run: what would go to whom. */
  plan: Array<{ path: string; kind: string; to: string[] }>;
  /** Paths given that were not sent (directories without `-r`). */
  skipped: string[];
}

/**
 * Formats a push report as lines for the terminal.
 * @param report the report
 * @returns lines without newlines
 */
export function formatPushReport(report: PushReport): string[] {
  const lines: string[] = [];
  if (report.dryRun) {
    for (const item of report.plan) lines.push(`would send ${item.kind === 'prune' ? 'delete list for' : item.kind} ${item.path} to ${item.to.join(', ')}`);
    for (const member of report.members) for (const path of member.deleted) lines.push(`would delete ${path} on ${member.name}`);
    if (report.plan.length === 0) lines.push('nothing to send');
  }
  for (const path of report.skipped) lines.push(`skipped ${path}`);
  if (report.members.length === 0) lines.push('no live members to push to');
  for (const member of report.members) {
    const detail = member.status === 'ok' ? `${member.sent} sent, ${member.unchanged} unchanged${member.deleted.length && !report.dryRun ? `, ${member.deleted.length} deleted` : ''}` : `FAILED: ${member.error ?? 'unknown'}`;
    lines.push(`${member.status === 'ok' ? 'ok    ' : 'failed'} ${member.name} (${member.address}): ${detail}`);
  }
  const seconds = report.durationMs / 1000;
  lines.push(`${report.entries} entries, ${(report.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)}s${report.repaired ? `, ${report.repaired} chunks repaired` : ''}${report.dryRun ? ' (dry run)' : ''}`);
  return lines;
}
