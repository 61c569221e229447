// Bundles the CLI into bundle/ so `lockstep` starts fast (run by `yarn workspace @lockstep/cli
// bundle`, after tsc). Node 20 has no compile cache, so what counts is how many files and bytes
// a command loads before it answers:
//
// - bundle/main.js: the CLI, clipanion and typanion; every command's heavy part is a chunk that
//   `await import()` loads when the command runs (the runner, transports, reporters).
// - bundle/lazy-core.js: built on its own, the part of core that `src/lazy/core.ts` names
//   (plugin discovery, the playbook loader, errors), so `lockstep check` loads just that. In the
//   split build, a core index reached both from there and from `await import('@lockstep/core')`
//   would drag every chunk of core into `check`.
//
// Packages with native addons, and heavy ones loaded only to run things, stay external and come
// from node_modules. bin/lockstep.js runs the bundle when it is current, else dist/main.js.
import { build } from 'esbuild';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = new URL('..', import.meta.url);
const outdir = fileURLToPath(new URL('bundle/', here));

// Workspace code finds files next to itself (`new URL('../package.json', import.meta.url)`, the
// agent bundle, `dist/main.js` to spawn a detached coordinator). Bundled, every module's
// import.meta.url would be the chunk's; this keeps each one pointing at its own dist file, which
// is why the bundle is built from tsc's output, not from src/.
const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(b) {
    b.onLoad({ filter: /\/packages\/[^/]+\/dist\/.*\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'js' };
    });
  },
};

// In the main build, `./lazy/core.js` is the separately built bundle/lazy-core.js (every chunk
// sits in bundle/, so the same relative path works from each).
const lazyCoreExternal = {
  name: 'lazy-core-external',
  setup(b) {
    b.onResolve({ filter: /\/lazy\/core\.js$/ }, () => ({ path: './lazy-core.js', external: true }));
  },
};

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // LOCKSTEP_BUNDLE_MINIFY=0 keeps names readable for `node --cpu-prof`.
  minify: process.env.LOCKSTEP_BUNDLE_MINIFY !== '0',
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
  // clipanion and typanion ship CommonJS as `main` and ESM beside it; the ESM bundles smaller.
  // yaml's Node entry is CommonJS, which esbuild's dynamic-import interop mangles; its browser
  // build is the same code as plain ESM (no browser APIs).
  alias: {
    clipanion: 'clipanion/lib/advanced/index.mjs',
    typanion: 'typanion/lib/index.mjs',
    yaml: fileURLToPath(new URL('browser/index.js', import.meta.resolve('yaml/package.json'))),
  },
  external: ['ssh2', 'cpu-features', 'execa', 'listr2', 'etcd3', '@lockstep/plugin-*'],
  // Bundled CommonJS code may require() Node built-ins; give ESM output a require().
  banner: { js: "import { createRequire as __lockstepRequire } from 'node:module'; const require = __lockstepRequire(import.meta.url);" },
};

await rm(outdir, { recursive: true, force: true });
const lazy = await build({
  ...common,
  entryPoints: [fileURLToPath(new URL('dist/lazy/core.js', here))],
  outfile: `${outdir}lazy-core.js`,
  plugins: [keepModuleUrls],
});
const main = await build({
  ...common,
  entryPoints: [fileURLToPath(new URL('dist/main.js', here))],
  outdir,
  splitting: true,
  plugins: [lazyCoreExternal, keepModuleUrls],
});

if (process.env.LOCKSTEP_BUNDLE_META) {
  const outputs = { ...lazy.metafile.outputs, ...main.metafile.outputs };
  const inputs = { ...lazy.metafile.inputs, ...main.metafile.inputs };
  await writeFile(process.env.LOCKSTEP_BUNDLE_META, JSON.stringify({ inputs, outputs }));
}
