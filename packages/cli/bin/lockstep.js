#!/usr/bin/env node
// The `lockstep` bin. It runs the bundle (scripts/bundle.mjs, built by `yarn build` after tsc)
// when the bundle is at least as new as the tsc output it was built from (the CLI's and, in the
// monorepo, core's and the agent's); otherwise dist/main.js, so that a bundle left over from an
// earlier build never runs older code than the one just compiled.
import { statSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+ caches compiled code on disk; on Node 20 this is a no-op.
module.enableCompileCache?.();

const at = (path) => new URL(path, import.meta.url);
const mtime = (path) => statSync(at(path), { throwIfNoEntry: false })?.mtimeMs ?? 0;
const sources = ['../dist/main.js', '../tsconfig.tsbuildinfo', '../../core/tsconfig.tsbuildinfo', '../../agent/tsconfig.tsbuildinfo'];
const bundled = mtime('../bundle/main.js');
const current = bundled > 0 && sources.every((path) => mtime(path) <= bundled);
await import(current ? at('../bundle/main.js').href : at('../dist/main.js').href);
