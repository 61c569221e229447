// Bundles the agent into one ESM file that needs only Node (>= 20) on the node.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  entryPoints: [`${root}/src/bin.ts`],
  outfile: `${root}/dist/lockstep-agent.mjs`,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  banner: { js: '#!/usr/bin/env node\nimport { createRequire as __lsCreateRequire } from "node:module"; const require = __lsCreateRequire(import.meta.url);' },
  alias: { '@lockstep/core': `${root}/scripts/core-shim.mjs` },
  logLevel: 'warning',
});
