import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the one-file agent bundle (`dist/lockstep-agent.mjs`), built by
 * `yarn workspace @lockstep/agent bundle`; copy it to a node and run it with `node`.
 */
export function bundlePath(): string {
  return fileURLToPath(new URL('./lockstep-agent.mjs', import.meta.url));
}
