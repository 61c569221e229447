#!/usr/bin/env node
'use strict';
// The `lockstep` bin. CommonJS on purpose: `lockstep sem NAME DELTA` and `lockstep barrier NAME
// COUNT` run from bundle/quick.cjs without Node's ES module loader, which would cost a cold call
// about a tenth of `node -e 0` (issue 3 asks for at most 1.5x). Every other command, and these
// two with options, run the ES module CLI.
//
// It runs the bundle (scripts/bundle.mjs, built by `yarn build` after tsc) when the bundle holds
// the code tsc last compiled; otherwise dist/main.js, so that a bundle left over from an earlier
// build never runs older code than the one just compiled.
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

// Node 22.1+ caches compiled code on disk; on Node 20 this is a no-op.
require('node:module').enableCompileCache?.();

const at = (path) => join(__dirname, path);
const mtime = (path) => statSync(at(path), { throwIfNoEntry: false })?.mtimeMs ?? 0;
const bundled = mtime('../bundle/main.js');
// The tsc projects the bundle is built from (the CLI's and, in the monorepo, core's and the
// agent's): each tsbuildinfo is rewritten whenever its project is rebuilt.
const buildinfos = ['../tsconfig.tsbuildinfo', '../../core/tsconfig.tsbuildinfo', '../../agent/tsconfig.tsbuildinfo'];
const rebuilt = buildinfos.filter((path) => mtime(path) > bundled);
const current = bundled > 0 && mtime('../dist/main.js') <= bundled && (rebuilt.length === 0 || unchangedSinceBundle(rebuilt));
// dist/main.js has the same quick path, as an ES module.
const quick = current && mtime('../bundle/quick.cjs') > 0 ? require('../bundle/quick.cjs').runQuick(process.argv.slice(2)) : undefined;
if (!quick) import(pathToFileURL(at(current ? '../bundle/main.js' : '../dist/main.js')).href);

/**
 * A project rebuilt after the bundle (e.g. `tsc -b packages/agent` alone) leaves the bundle
 * current when none of the dist files the bundle took from it changed: tsc rewrites only the
 * outputs that change. bundle/inputs.json lists those files (paths relative to the package).
 */
function unchangedSinceBundle(rebuiltBuildinfos) {
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(at('../bundle/inputs.json'), 'utf8'));
  } catch {
    return false;
  }
  return rebuiltBuildinfos.every((path) => {
    const files = inputs.packages?.[path.slice('../'.length)];
    // A project whose files are not listed is not known to be in the bundle: be safe.
    return Array.isArray(files) && files.every((file) => {
      const time = statSync(at(`../${file}`), { throwIfNoEntry: false })?.mtimeMs;
      return time !== undefined && time < inputs.startedAt;
    });
  });
}
