import { Command } from 'clipanion';
import { jsonOption } from '../../options.js';
import { RingFlagsCommand } from './ring-options.js';

/** `lockstep ring run`: sends messages around the ring and reports the latency (stillepost's `stillepost`). */
export class RingRunCommand extends RingFlagsCommand {
  static override paths = [['ring', 'run']];

  static override usage = Command.Usage({
    category: 'Ring',
    description: 'send messages around the ring and report tour and per-hop latency',
    details: `
      Runs one tour per message size on the ring configured at the coordinating agent (\`-c\`); configure's flags may be given here too, and then the ring is configured first. Prints the tour's total time and, over the \`--count\` messages, the tour time and the per-hop latency (tour time divided by the number of members) as min, median, p99 and max.

      A message that does not come back within \`--member-timeout\` is counted lost and the tour reports "incomplete, N lost", with the hop where messages went missing and any member that did not answer named by its control address. It never waits forever. Exits 1 when any tour is incomplete.
    `,
    examples: [
      ['Tour the configured ring', '$0 ring run'],
      ['Sweep three sizes, 1000 messages each', '$0 ring run --members tcp:10.0.0.1:7700,tcp:10.0.0.2:7700 --msg-bytes 64,512,1400 --count 1000 --forward-immediately'],
    ],
  });

  json = jsonOption('print the report as one JSON document');

  override async execute(): Promise<number> {
    const { requestAgent, resolveAgentControl, formatRingReport } = await import('@lockstep/agent');
    const { ErrorCodes, LockstepError } = await import('@lockstep/core');
    const report = await requestAgent<import('@lockstep/agent').RingRunReport>(resolveAgentControl(this.control, this.context.env), 'ring.run', this.params(), { signal: this.context.signal });
    this.context.stdout.write(this.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatRingReport(report).join('\n')}\n`);
    if (report.incomplete) {
      const lost = report.tours.reduce((sum, tour) => sum + tour.lost, 0);
      throw new LockstepError(ErrorCodes.RING_INCOMPLETE, `ring tour incomplete, ${lost} lost${report.tours.flatMap((t) => t.problems).length ? `: ${[...new Set(report.tours.flatMap((t) => t.problems))].join('; ')}` : ''}`);
    }
    return 0;
  }
}
