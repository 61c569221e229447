// Writes docs/cli.md from the CLI's command definitions (run after `yarn build`).
import { writeFile } from 'node:fs/promises';
import { createCli } from '../dist/cli.js';
import { renderCliReference } from '../dist/cli-reference.js';

const file = new URL('../../../docs/cli.md', import.meta.url);
await writeFile(file, renderCliReference(createCli()));
console.log(`wrote ${file.pathname}`);
