import { Command, Option, UsageError } from 'clipanion';
import * as t from 'typanion';
import type { LockstepContext } from '../context.js';
import { callSemaphore } from '../coordinator-calls.js';
import { clientOptions, CoordinatorClientCommand } from '../coordinator-options.js';

const isDelta = t.cascade(t.isNumber(), [t.isInteger()]);

/** `lockstep sem NAME DELTA`: dissem's semaphore operation against a coordinator. */
export class SemCommand extends CoordinatorClientCommand {
  static override paths = [['sem']];

  static override usage = Command.Usage({
    category: 'Coordination',
    description: 'add to, take from or read a named semaphore (dissem)',
    details: `
      dissem's \`sem NAME DELTA\`. The semaphore is created at first use with value 0 (or \`--initial\`). A negative \`DELTA\` waits until the value allows it, then subtracts; a positive one adds and wakes waiters in arrival order (all that can go on); \`0\` reads. Prints the value after the operation.

      A negative \`DELTA\` is written as is (\`lockstep sem NAME -1\`), as dissem does, even though it looks like an option.

      The coordinator is \`--coordinator\`, else \`$LOCKSTEP_COORDINATOR\` (set in every playbook step), else found with \`--discover\`. A timed-out wait exits with 1 and \`LS5003\`. Ctrl-C (or SIGTERM) while waiting withdraws the request and exits with 130.
    `,
    examples: [
      ['Wait for a unit (blocks until someone posts)', '$0 sem SEM001 -1'],
      ['Post four units, waking four waiters', '$0 sem SEM001 4'],
      ['Read the value', '$0 sem SEM001 0'],
      ['Wait at most 30 seconds', '$0 sem deploy -1 --timeout 30s'],
    ],
  });

  name = Option.String({ name: 'NAME' });
  // clipanion takes any word starting with "-" for an option, so a negative DELTA cannot be a
  // plain positional: the words after NAME are proxied, DELTA is picked out, and the command
  // re-runs itself with `--delta=<n>` and the other words parsed as the options they are.
  rest = Option.Proxy({ name: 'DELTA' });
  delta = Option.String('--delta', { hidden: true, validator: isDelta });
  timeout = clientOptions.duration('--timeout,-t', 'give up waiting after this long (exit 1, LS5003)');
  initial = Option.String('--initial', { description: 'value when this call creates the semaphore (default 0)', validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(0)]) });

  override async execute(): Promise<number> {
    let delta = this.delta;
    if (delta === undefined && this.rest.length === 1) {
      // The common case, `sem NAME -1`: DELTA alone after NAME, checked by the same validator.
      const checked = t.as(this.rest[0], isDelta, { coerce: true, errors: false });
      if (checked.errors) return this.#reparse();
      delta = checked.value;
    } else if (delta === undefined || this.rest.length > 0) {
      return this.#reparse();
    }
    return callSemaphore(this.context, this, { name: this.name, delta, timeout: this.timeout, initial: this.initial });
  }

  /** Picks DELTA out of the proxied words and runs `sem` again with the rest as options. */
  async #reparse(): Promise<number> {
    const index = this.delta === undefined ? this.rest.findIndex((word) => /^-?\d+$/.test(word)) : -1;
    if (this.delta !== undefined || index < 0) {
      throw new UsageError(`expected lockstep sem NAME DELTA [options], with DELTA an integer; got ${JSON.stringify(this.rest.join(' '))} after NAME`);
    }
    const given: Array<[string, string | number | undefined]> = [
      ['--timeout', this.timeout],
      ['--initial', this.initial],
      ['--coordinator', this.coordinator],
      ['--token', this.token],
      ['--token-file', this.tokenFile],
      ['--discover', this.discover],
      ['--interface', this.iface],
      ['--lifespan', this.lifespan],
      ['--connect-timeout', this.connectTimeout],
    ];
    const options = given.filter(([, value]) => value !== undefined).map(([flag, value]) => `${flag}=${value}`);
    const words = [...this.rest.slice(0, index), ...this.rest.slice(index + 1)];
    // A CLI of this command alone parses faster than the whole one; process + validateAndExecute
    // rather than run, so errors reach main's reportError.
    const { Cli } = await import('clipanion');
    const cli = new Cli<LockstepContext>({ binaryLabel: 'lockstep', binaryName: 'lockstep' });
    cli.register(SemCommand);
    const again = cli.process(['sem', ...options, ...words, `--delta=${this.rest[index]}`, this.name], this.context);
    return (await again.validateAndExecute()) ?? 0;
  }
}
