#!/usr/bin/env node
/**
 * The `lockstep` program: the quick path for `sem NAME DELTA` and `barrier NAME COUNT`
 * (quick-path.ts), else the clipanion command line, in the context of this process.
 */
import { processContext } from './process-context.js';
import { runQuick } from './quick-main.js';

const argv = process.argv.slice(2);
if (!runQuick(argv)) {
  const { context, finish } = processContext();
  const { runCli } = await import('./cli.js');
  finish(await runCli(argv, context));
}
