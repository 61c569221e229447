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
// from node_modules. bin/lockstep.cjs runs the bundle when it is current, else dist/main.js.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
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

// clipanion loads `tty` (and with it `net`) when it is imported, only to fill
// Cli.defaultContext.colorDepth, which lockstep never reads: every context it runs with has its
// own colorDepth (main.ts), and createCli always sets enableColors. With stdout not a terminal
// (a pipe to a file, CI, scripts) that costs a few ms of every start. This loads `tty` only if
// the default colour depth is ever read: the property becomes a lazy, non-enumerable getter, so
// the `{ ...Cli.defaultContext, ...context }` spreads in clipanion skip it. A clipanion update
// that changes these lines fails the bundle build instead of silently undoing this.
const lazyClipanionTty = {
  name: 'lazy-clipanion-tty',
  setup(b) {
    const patches = [
      [/clipanion\/lib\/platform\/node\.js$/, [
        ["var tty = require('tty');", ''],
        ['var tty__default = /*#__PURE__*/_interopDefaultLegacy(tty);', "var tty__default = { get default() { return require('tty'); } };"],
      ]],
      [/clipanion\/lib\/advanced\/Cli\.mjs$/, [
        [
          '    colorDepth: getDefaultColorDepth(),\n};',
          "};\nObject.defineProperty(Cli.defaultContext, 'colorDepth', { configurable: true, enumerable: false, get: () => getDefaultColorDepth() });",
        ],
      ]],
    ];
    for (const [filter, replacements] of patches) {
      b.onLoad({ filter }, async (args) => {
        let text = await readFile(args.path, 'utf8');
        for (const [from, to] of replacements) {
          if (!text.includes(from)) throw new Error(`lazy-clipanion-tty: ${args.path} no longer contains ${JSON.stringify(from)}`);
          text = text.replace(from, to);
        }
        return { contents: text, loader: 'js' };
      });
    }
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

// Taken before esbuild reads any input: a dist file written after this may be missing from the
// bundle (see inputs.json below).
const startedAt = Date.now();
await rm(outdir, { recursive: true, force: true });
const lazy = await build({
  ...common,
  entryPoints: [fileURLToPath(new URL('dist/lazy/core.js', here))],
  outfile: `${outdir}lazy-core.js`,
  plugins: [keepModuleUrls],
});
// bundle/quick.cjs: the quick path (src/quick-main.ts: `sem NAME DELTA`, `barrier NAME COUNT`)
// as one CommonJS file, which bin/lockstep.cjs requires before any ES module is loaded. Its
// `import()`s of core's lazy parts stay imports of the ES chunks. `import.meta` is empty in
// CommonJS: keepModuleUrls fills in `import.meta.url`, and the one other use, the
// `import.meta.resolve` fallback of context.ts's builtinPluginDirs, runs only when a command asks
// for the plugin host, which the quick path never does (hence the silenced warning).
const quick = await build({
  ...common,
  format: 'cjs',
  banner: {},
  entryPoints: [fileURLToPath(new URL('dist/quick-main.js', here))],
  outfile: `${outdir}quick.cjs`,
  plugins: [lazyCoreExternal, keepModuleUrls],
  logOverride: { 'empty-import-meta': 'silent' },
});
const main = await build({
  ...common,
  entryPoints: [fileURLToPath(new URL('dist/main.js', here))],
  outdir,
  splitting: true,
  plugins: [lazyCoreExternal, keepModuleUrls, lazyClipanionTty],
});

// bundle/inputs.json: the workspace dist files the bundle was built from, by package. bin/lockstep.cjs
// reads it only when a package's tsbuildinfo is newer than the bundle (that package was rebuilt
// alone, e.g. `tsc -b packages/agent`): the bundle is still current when none of the files it
// took from that package changed since `startedAt` (tsc rewrites only the outputs that change).
const packages = new Map();
for (const input of Object.keys({ ...lazy.metafile.inputs, ...quick.metafile.inputs, ...main.metafile.inputs })) {
  const file = resolve(input); // metafile paths are relative to esbuild's working directory, the cwd
  const at = file.lastIndexOf('/dist/');
  if (at === -1 || file.includes('/node_modules/')) continue;
  const buildinfo = `${file.slice(0, at)}/tsconfig.tsbuildinfo`;
  if (!existsSync(buildinfo)) continue;
  const pkg = relative(fileURLToPath(here), buildinfo);
  if (!packages.has(pkg)) packages.set(pkg, []);
  packages.get(pkg).push(relative(fileURLToPath(here), file));
}
await writeFile(
  `${outdir}inputs.json`,
  `${JSON.stringify({ startedAt, packages: Object.fromEntries([...packages].map(([pkg, files]) => [pkg, files.sort()])) })}\n`,
);

if (process.env.LOCKSTEP_BUNDLE_META) {
  const outputs = { ...lazy.metafile.outputs, ...quick.metafile.outputs, ...main.metafile.outputs };
  const inputs = { ...lazy.metafile.inputs, ...quick.metafile.inputs, ...main.metafile.inputs };
  await writeFile(process.env.LOCKSTEP_BUNDLE_META, JSON.stringify({ inputs, outputs }));
}
