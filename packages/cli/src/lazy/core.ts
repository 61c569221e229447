/**
 * The parts of `@lockstep/core` that the fast paths need: discovering plugins, loading a
 * playbook, reporting errors. Loaded with `await import()`. Bundled (scripts/bundle.mjs), this
 * is one chunk holding just those parts of core, so `lockstep check` does not load the runner,
 * the transports or the coordinator. Keep it to one module: a core index reached from several
 * of these would pull every part of core into each of them.
 */
export { PluginHost, loadPlaybook, isLockstepError, ErrorCodes, PluginError } from '@lockstep/core';
