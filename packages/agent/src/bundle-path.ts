import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the one-file agent bundle (`dist/lockstep-agent.mjs`), built by
 * `yarn workspace @lockstep/agent bundle`; copy it to a node and run it with `node`.
 */
export function bundlePath(): string {
  return fileURLToPath(new URL('./lockstep-agent.mjs', import.meta.url));
}

/**
 * The script that runs an agent on this machine: the bundle when it has been built, else the
 * compiled entry (`dist/bin.js`, which needs this checkout's `node_modules`). Only the bundle can
 * be copied to another machine.
 * @returns the script and whether it is the self-contained bundle
 */
export function localAgentScript(): { path: string; bundled: boolean } {
  const bundle = bundlePath();
  return existsSync(bundle) ? { path: bundle, bundled: true } : { path: fileURLToPath(new URL('./bin.js', import.meta.url)), bundled: false };
}
