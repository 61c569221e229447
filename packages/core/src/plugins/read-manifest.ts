// A manifest is a small package.json read on every start for each plugin: read synchronously
// (see discover-plugins.ts for why).
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as t from 'typanion';
import { ErrorCodes } from '../errors/codes.js';
import { PluginError } from '../errors/plugin-error.js';
import type { CommandContribution, PluginManifest, StepContribution } from './api.js';
import { builtinContributionPoints, contributionPointNames, getContributionPoint } from './contribution-points/index.js';
import { coreVersion } from './engine-version.js';

/** What reading one package's manifest found. Reading never imports the plugin's code. */
export interface ManifestReadResult {
  /** False when the package.json has no `lockstep` key: not a plugin at all. */
  isPlugin: boolean;
  /** The validated manifest; absent when the plugin is unusable (its problems say why). */
  manifest?: PluginManifest;
  /** Everything wrong; entries named here were skipped, the rest of the manifest still works. */
  problems: PluginError[];
}

/** Options of {@link inspectPluginPackage}. */
export interface InspectOptions {
  /** The lockstep version to check `engine` against; default the running core's. */
  coreVersion?: string;
}

const isPackageJson = t.isPartial({
  name: t.isString(),
  version: t.isOptional(t.isString()),
  main: t.isOptional(t.isString()),
});

const isLockstepSection = t.isObject({
  engine: t.isString(),
  activationEvents: t.isOptional(t.isArray(t.isString())),
  contributes: t.isOptional(t.isRecord(t.isUnknown())),
});

/**
 * Reads and validates `<dir>/package.json#lockstep` without importing any code: the contribution
 * points are checked entry by entry (a bad entry is reported and skipped), activation events are
 * derived from the contributions, and `engine` is checked against the running lockstep.
 *
 * @param dir the plugin's directory
 * @param options the version to check `engine` against
 * @returns the manifest (when usable) and every problem found
 */
export async function inspectPluginPackage(dir: string, options: InspectOptions = {}): Promise<ManifestReadResult> {
  const root = resolve(dir);
  const manifestPath = join(root, 'package.json');
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (error) {
    const problem = new PluginError(ErrorCodes.PLUGIN_NOT_FOUND, undefined, `no plugin at ${root}: cannot read ${manifestPath}`, {
      cause: error,
      manifestPath,
    });
    return { isPlugin: false, problems: [problem] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { isPlugin: false, problems: [invalid(basename(root), manifestPath, `invalid JSON: ${(error as Error).message}`)] };
  }
  if (typeof json !== 'object' || json === null || !('lockstep' in json)) return { isPlugin: false, problems: [] };

  const errors: string[] = [];
  if (!isPackageJson(json, { errors }) || typeof json.name !== 'string') {
    return { isPlugin: true, problems: [invalid(basename(root), manifestPath, `package.json: ${errors.join('; ') || 'missing "name"'}`)] };
  }
  const name = json.name;
  const section = (json as { lockstep: unknown }).lockstep;
  if (!isLockstepSection(section, { errors })) {
    return { isPlugin: true, problems: [invalid(name, manifestPath, errors.map((e) => `lockstep${e.startsWith('.') ? e : `: ${e}`}`).join('; '))] };
  }
  const { semverValidRange, semverSatisfies } = await loadSemver();
  if (semverValidRange(section.engine) === null) {
    return { isPlugin: true, problems: [invalid(name, manifestPath, `lockstep.engine: "${section.engine}" is not a semver range`)] };
  }
  const version = options.coreVersion ?? coreVersion();
  if (!semverSatisfies(version, section.engine, { includePrerelease: true })) {
    const problem = new PluginError(
      ErrorCodes.PLUGIN_ENGINE_MISMATCH,
      name,
      `needs lockstep ${section.engine} but this is lockstep ${version}; plugin skipped (${manifestPath})`,
      { manifestPath },
    );
    return { isPlugin: true, problems: [problem] };
  }

  const problems: PluginError[] = [];
  const contributes = readContributions(name, manifestPath, section.contributes ?? {}, problems);
  const derived = [
    ...contributes.steps.flatMap((entry) => stepsPoint.activationEvents(entry)),
    ...contributes.commands.flatMap((entry) => commandsPoint.activationEvents(entry)),
  ];
  const manifest: PluginManifest = {
    name,
    version: json.version ?? '0.0.0',
    dir: root,
    main: resolve(root, json.main ?? 'index.js'),
    engine: section.engine,
    activationEvents: [...new Set([...(section.activationEvents ?? []), ...derived])],
    contributes,
  };
  return { isPlugin: true, manifest, problems };
}

/**
 * Reads a plugin's manifest, for tools and tests that need one plugin (such as
 * `createFakePluginContext` in `@lockstep/testing`).
 *
 * @param dir the plugin's directory
 * @returns the validated manifest; entries with problems are left out
 * @throws {PluginError} when the directory holds no usable lockstep plugin
 */
export async function readPluginManifest(dir: string): Promise<PluginManifest> {
  const result = await inspectPluginPackage(dir);
  if (result.manifest) return result.manifest;
  throw (
    result.problems[0] ??
    new PluginError(ErrorCodes.PLUGIN_NOT_FOUND, undefined, `${join(resolve(dir), 'package.json')} has no "lockstep" manifest`)
  );
}

const [stepsPoint, commandsPoint] = builtinContributionPoints;

type SemverFunctions = {
  semverValidRange: typeof import('semver/ranges/valid.js');
  semverSatisfies: typeof import('semver/functions/satisfies.js');
};
let semver: Promise<SemverFunctions> | undefined;

/** semver, imported on first use (core's index must stay cheap to import) and once per process, not once per manifest. */
function loadSemver(): Promise<SemverFunctions> {
  semver ??= Promise.all([import('semver/ranges/valid.js'), import('semver/functions/satisfies.js')]).then(
    ([{ default: semverValidRange }, { default: semverSatisfies }]) => ({ semverValidRange, semverSatisfies }),
  );
  return semver;
}

function readContributions(
  plugin: string,
  manifestPath: string,
  raw: Record<string, unknown>,
  problems: PluginError[],
): PluginManifest['contributes'] {
  const result: PluginManifest['contributes'] = { steps: [], commands: [] };
  for (const [key, value] of Object.entries(raw)) {
    const point = getContributionPoint(key);
    if (!point) {
      problems.push(
        invalid(plugin, manifestPath, `unknown contribution point "${key}" (known: ${contributionPointNames().join(', ')}); skipped`, key),
      );
      continue;
    }
    if (!Array.isArray(value)) {
      problems.push(invalid(plugin, manifestPath, `contributes.${key}: expected an array; skipped`, key));
      continue;
    }
    value.forEach((entry, index) => {
      const errors: string[] = [];
      if (!point.entry(entry, { errors })) {
        const where = `contributes.${key}[${index}]`;
        problems.push(invalid(plugin, manifestPath, `${errors.map((e) => `${where}${e.startsWith('.') ? e : `: ${e}`}`).join('; ')}; skipped`, key));
        return;
      }
      if (key === 'steps') result.steps.push(entry as StepContribution);
      else if (key === 'commands') result.commands.push(entry as CommandContribution);
    });
  }
  return result;
}

function invalid(plugin: string, manifestPath: string, message: string, point?: string): PluginError {
  return new PluginError(ErrorCodes.PLUGIN_MANIFEST_INVALID, plugin, `${manifestPath}: ${message}`, { manifestPath, point });
}
