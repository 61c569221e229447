import { dirname, resolve } from 'node:path';
import { Command, Option } from 'clipanion';
import type { LockstepContext } from '../context.js';

/** `lockstep schema`: prints the JSON Schema of playbooks. */
export class SchemaCommand extends Command<LockstepContext> {
  static override paths = [['schema']];

  static override usage = Command.Usage({
    category: 'Playbooks',
    description: 'print the JSON Schema of playbooks, with the installed step types',
    details: `
      Prints the JSON Schema a playbook follows, including the argument schema of every step type the installed plugins contribute, for editors to complete and check playbooks (for example with the YAML language server's \`# yaml-language-server: $schema=…\` comment).
    `,
    examples: [
      ['Print the schema', '$0 schema'],
      ['Write it to a file for your editor', '$0 schema --out .lockstep/playbook.schema.json'],
    ],
  });

  out = Option.String('--out,-o', { description: 'write the schema to this file instead of stdout' });

  override async execute(): Promise<number> {
    const [{ playbookJsonSchema }, host] = await Promise.all([import('@lockstep/core'), this.context.plugins()]);
    const text = `${JSON.stringify(playbookJsonSchema(host.catalog()), null, 2)}\n`;
    if (this.out === undefined) {
      this.context.stdout.write(text);
    } else {
      const { mkdir, writeFile } = await import('node:fs/promises');
      const file = resolve(this.context.cwd, this.out);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
      this.context.stdout.write(`wrote ${file}\n`);
    }
    return 0;
  }
}
