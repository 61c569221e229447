import type { Cli } from 'clipanion';
import type { LockstepContext } from './context.js';

/** The hand-written part of docs/cli.md, before the generated command sections. */
const intro = `# Command line reference

\`lockstep <command> [options]\`. \`lockstep --help\` lists the commands, \`lockstep <command> --help\`
shows one command's options and examples. This page is generated from the same definitions by
\`node packages/cli/scripts/cli-docs.mjs\` (after \`yarn build\`); edit the commands, not this page.

## Exit codes

| code | meaning |
| --- | --- |
| 0 | everything succeeded |
| 1 | a node or step failed, or something failed at run time (see docs/errors.md) |
| 2 | the playbook, inventory or command line is wrong (usage errors, \`LS1xxx\` codes) |
| 130 | interrupted |

## Errors

A documented error prints as \`LSxxxx message\`, without a stack trace; docs/errors.md explains each
code and how to fix it. A usage error prints the message and the command's usage. Anything else
prints \`internal error\` with its stack: please report it.

## Output

\`run\` and \`exec\` report through one of three renderers, built from the same events:

- **interactive** (a terminal): a live view of phases, nodes and steps, with the last lines of each
  running step's output, then a summary table (node, ok, failed, skipped, status);
- **plain** (stdout is not a terminal, \`CI\` is set, or \`--plain\`): one line per event, such as
  \`[deploy] web1: restart ok (1.20s)\`, each output line prefixed with its node (\`web1 | …\`), lines
  never mixed mid-line, then the summary table;
- **json** (\`--json\`): every event as one JSON object per line (NDJSON).

\`run --junit FILE\` also writes a JUnit XML report: a test suite per phase, a test case per node and
step, failures with their message and stderr tail, skipped steps marked as such.

Colours are used on a colour terminal unless \`NO_COLOR\` is set.

## Ctrl-C

The first Ctrl-C (SIGINT) stops the run: running steps are aborted, what the run holds (locks,
semaphore holds, connections, plugin subscriptions) is released, and lockstep exits with 130. A
second Ctrl-C exits at once, without cleaning up.

## Commands from plugins

A plugin can contribute commands (\`package.json#lockstep.contributes.commands\`). When no
built-in command matches, \`lockstep\` runs the contributed command whose path starts the command
line, passing it the remaining words. \`lockstep plugins\` lists them.

## Commands
`;

/**
 * Renders the command line reference (docs/cli.md) from the CLI's own command definitions, so
 * the page and `--help` never disagree.
 *
 * @param cli the CLI with every command registered
 * @returns the Markdown page
 */
export function renderCliReference(cli: Cli<LockstepContext>): string {
  const sections = cli
    .definitions()
    .filter((d) => !/ (-h|--help|-v|--version)$/.test(d.path))
    .map((d) => {
      const out = [`### ${d.path}`, '', `${para(d.description ?? '')}.`.replace(/\.\.$/, '.'), '', '```', d.usage.replace(/#0/g, '<value>'), '```'];
      if (d.details) out.push('', ...d.details.trim().split(/\n\n+/).map(para).join('\n\n').split('\n'));
      if (d.options.length > 0) {
        out.push('', '| option | description |', '| --- | --- |');
        for (const o of d.options) {
          const name = o.definition.replace(/#0/g, '<value>').replace(/\|/g, '\\|');
          out.push(`| \`${name}\`${o.required ? ' (required)' : ''} | ${(o.description ?? '').replace(/\|/g, '\\|')} |`);
        }
      }
      if (d.examples && d.examples.length > 0) {
        out.push('', 'Examples:', '');
        for (const [what, command] of d.examples) out.push(`- ${para(what)}:`, '', '  ```sh', `  ${command}`, '  ```', '');
        out.pop();
      }
      return out.join('\n');
    });
  return `${intro}\n${sections.join('\n\n')}\n`;
}

/** clipanion wraps text at 80 columns; Markdown wants a paragraph on one logical line. */
function para(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((line) => line.trim())
    .join(' ');
}
