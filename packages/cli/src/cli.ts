import { readFileSync } from 'node:fs';
import { Builtins, Cli, type Command, type CommandClass } from 'clipanion';
import { HelpCommand } from './commands/help.js';
import { commands } from './commands/index.js';
import type { LockstepContext } from './context.js';
import { runPluginCommand } from './plugin-command.js';
import { reportError } from './report-error.js';

/** The version of the CLI, from its package.json (read once, synchronously: it is tiny). */
export const version: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Builds the clipanion CLI with every built-in command, `--help` and `--version`.
 *
 * @param options `colored`: colour usage and errors (default false); `commands`: register only
 *   these built-in commands (default all)
 * @returns a CLI to run with {@link runCli}
 */
export function createCli(options: { colored?: boolean; commands?: ReadonlyArray<CommandClass<LockstepContext>> } = {}): Cli<LockstepContext> {
  const cli = new Cli<LockstepContext>({
    binaryLabel: 'lockstep',
    binaryName: 'lockstep',
    binaryVersion: version,
    // Decided by the context, not by clipanion's look at process.stdout.
    enableColors: options.colored ?? false,
  });
  cli.register(HelpCommand);
  cli.register(Builtins.VersionCommand);
  for (const command of options.commands ?? commands) cli.register(command);
  return cli;
}

/**
 * Runs the CLI with `argv` (without `node` and the script) in `context`. Every error ends here
 * and is mapped to output and an exit code by {@link reportError}; nothing is thrown.
 *
 * When no built-in command matches, a command contributed by a plugin
 * (`package.json#lockstep.contributes.commands`) whose path is a prefix of `argv` runs instead.
 *
 * @param argv the words after `lockstep`
 * @param context streams, cwd, env and plugin host of the invocation
 * @returns the exit code: 0 ok, 1 a node failed, 2 the playbook or command line is wrong, 130 interrupted
 */
export async function runCli(argv: string[], context: LockstepContext): Promise<number> {
  const colored = context.colorDepth > 1 && !context.env.NO_COLOR;
  const candidates = commandsFor(argv);
  const cli = createCli({ colored, commands: candidates });
  let command: Command<LockstepContext>;
  try {
    command = isListing(argv) ? new HelpCommand() : cli.process(argv, context);
  } catch (error) {
    try {
      const code = await runPluginCommand(argv, context, error);
      if (code !== undefined) return code;
    } catch (pluginError) {
      return reportError(pluginError, { cli, context });
    }
    // With only the commands of the first word registered, clipanion would suggest only those.
    const full = candidates ? createCli({ colored }) : cli;
    try {
      full.process(argv, context);
    } catch (fullError) {
      return reportError(fullError, { cli: full, context });
    }
    return reportError(error, { cli, context });
  }
  // clipanion would print a failure of execute() itself, on stdout, with exit code 1; this
  // catch hands it to reportError instead, so there is one place that maps errors to output.
  let failure: { error: unknown } | undefined;
  command.catch = async (error: unknown) => {
    failure = { error };
  };
  const exitCode = await cli.run(command, context);
  if (failure) return reportError(failure.error, { cli, context, command });
  return exitCode;
}

/**
 * The built-in commands whose path starts with `argv[0]`, or undefined for all of them.
 *
 * Clipanion compiles one state machine from every registered command before it parses argv,
 * and that grows with each command and option: registering only the candidates keeps
 * `lockstep check` and the others near `node -e 0` however many commands there are.
 */
function commandsFor(argv: readonly string[]): Array<CommandClass<LockstepContext>> | undefined {
  const first = argv[0];
  if (first === undefined || first.startsWith('-')) return undefined;
  const matching = commands.filter((command) => command.paths?.some((path) => path[0] === first));
  return matching.length > 0 ? matching : undefined;
}

/**
 * `lockstep`, `lockstep -h`, `lockstep --help`, `lockstep help`: the command listing. Its
 * command is made directly, since it needs every command's usage but not the parser.
 */
function isListing(argv: readonly string[]): boolean {
  return argv.length === 0 || (argv.length === 1 && ['-h', '--help', 'help'].includes(argv[0]!));
}
