import { processContext } from './process-context.js';
import { quickCommand } from './quick-path.js';

/**
 * Runs `argv` when it is one of the quick path's calls (quick-path.ts), else returns undefined
 * and touches nothing. The bin loads this from `bundle/quick.cjs`, a CommonJS file of its own,
 * before it loads any ES module: Node's ES module loader alone costs a cold `lockstep sem` about
 * a tenth of `node -e 0`.
 *
 * @param argv the words after `lockstep`
 * @returns a promise settled when the call is done and the exit code set, or undefined
 */
export function runQuick(argv: readonly string[]): Promise<void> | undefined {
  const quick = quickCommand(argv);
  if (!quick) return undefined;
  const { context, finish } = processContext();
  return quick(context).then(finish);
}
