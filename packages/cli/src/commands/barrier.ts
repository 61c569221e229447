import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { callBarrier } from '../coordinator-calls.js';
import { clientOptions, CoordinatorClientCommand } from '../coordinator-options.js';

/** `lockstep barrier NAME COUNT`: waits until COUNT participants arrived, then all go on. */
export class BarrierCommand extends CoordinatorClientCommand {
  static override paths = [['barrier']];

  static override usage = Command.Usage({
    category: 'Coordination',
    description: 'wait until COUNT participants reached a named barrier (dissem)',
    details: `
      dissem's \`barrier NAME COUNT\`: blocks until \`COUNT\` clients arrived at this generation of the barrier, then all of them return together. The name can be reused: the next arrival after a release opens the next generation. Prints the generation that fired.

      Fails fast with \`LS5004\` (exit 1) when the arrival's \`COUNT\` disagrees with the current generation's (nobody else is released), or when another participant left before the barrier fired (its process died, its wait timed out): waiting for it would be waiting forever. Ctrl-C (or SIGTERM) while waiting withdraws the request and exits with 130.
    `,
    examples: [
      ['Wait for two machines', '$0 barrier BR001 2'],
      ['Give up after a minute', '$0 barrier ready 3 --timeout 1m'],
    ],
  });

  name = Option.String({ name: 'NAME' });
  count = Option.String({ name: 'COUNT', validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]) });
  timeout = clientOptions.duration('--timeout,-t', 'give up waiting after this long (exit 1, LS5003)');

  override async execute(): Promise<number> {
    return callBarrier(this.context, this, { name: this.name, count: this.count, timeout: this.timeout });
  }
}
