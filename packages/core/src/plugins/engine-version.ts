import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * The version of `@lockstep/core` that is running, read from its package.json at runtime so a
 * plugin's `engine` range is checked against what is actually installed.
 *
 * @returns the semver version, e.g. `0.1.0`
 */
export function coreVersion(): string {
  if (cached === undefined) {
    // Both src/plugins and dist/plugins sit two levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}
