import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createCli } from '../src/cli.js';

const doc = new URL('../../../docs/cli.md', import.meta.url);

describe('docs/cli.md', () => {
  it('has a section for every command, naming each of its options', async () => {
    const text = await readFile(doc, 'utf8');
    const sections = new Map<string, string>();
    for (const part of text.split(/^### /m).slice(1)) {
      const [heading, ...body] = part.split('\n');
      sections.set(heading!.trim(), body.join('\n'));
    }
    const problems: string[] = [];
    for (const definition of createCli().definitions()) {
      if (/ (-h|--help|-v|--version)$/.test(definition.path)) continue;
      const section = sections.get(definition.path);
      if (section === undefined) {
        problems.push(`no section "### ${definition.path}" (run node packages/cli/scripts/cli-docs.mjs)`);
        continue;
      }
      for (const option of definition.options) {
        const name = option.definition.split(/[ ,]/)[0]!;
        if (!section.includes(name)) problems.push(`${definition.path}: option ${name} is not described`);
      }
    }
    expect(problems).toEqual([]);
  });
});
