// Discovery reads a few dozen tiny files and directories on every `lockstep` start; the sync
// calls cost microseconds each, the promise versions a thread-pool round trip and a promise hop
// per call (measured: `PluginHost.discover` in this repo went from about 40 to 25 ms of CPU,
// cold, on a loaded two-core machine). The exported functions stay async so callers need not
// change.
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Where a candidate plugin directory was found; earlier sources win when names collide. */
export type PluginSource = 'path' | 'builtin' | 'workspace' | 'node_modules';

/** A directory that may hold a plugin, before its manifest is read. */
export interface PluginCandidate {
  dir: string;
  source: PluginSource;
}

/**
 * Finds the root of the Yarn/npm workspace containing `cwd`: the nearest ancestor whose
 * package.json has a `workspaces` field.
 *
 * @param cwd where to start
 * @returns the root directory, or undefined outside a workspace
 */
export async function findWorkspaceRoot(cwd: string): Promise<string | undefined> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const pkg = readJson(join(dir, 'package.json'));
    if (pkg && typeof pkg === 'object' && 'workspaces' in pkg) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Whether a package name follows the plugin naming convention, so discovery reads only those
 * package.json files in `node_modules` (reading every one costs tens of milliseconds of cold
 * start in a large tree): `@lockstep/plugin-*`, `lockstep-plugin-*`, `@scope/lockstep-plugin-*`.
 *
 * @param name the package's directory name under node_modules, scope included
 * @returns true for a plugin-shaped name
 */
export function isPluginPackageName(name: string): boolean {
  return /^(@lockstep\/plugin-|(@[^/]+\/)?lockstep-plugin-)/.test(name);
}

/**
 * Lists the directories that may hold plugins, without importing anything: the workspace's
 * `plugins/*`, and packages in `node_modules` (top-level and scoped) named like plugins
 * ({@link isPluginPackageName}) whose package.json has a `lockstep` key, from `cwd` up to the
 * workspace root (or the filesystem root outside one).
 *
 * @param cwd where discovery starts
 * @returns candidates, workspace plugins first, deduplicated by real path
 */
export async function discoverPluginDirs(cwd: string): Promise<PluginCandidate[]> {
  const root = await findWorkspaceRoot(cwd);
  const candidates: PluginCandidate[] = [];
  if (root) {
    for (const name of listDir(join(root, 'plugins'))) {
      const dir = join(root, 'plugins', name);
      if (readJson(join(dir, 'package.json'))) candidates.push({ dir, source: 'workspace' });
    }
  }
  const stop = root ?? '/';
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    candidates.push(...scanNodeModules(join(dir, 'node_modules')));
    if (dir === stop || dirname(dir) === dir) break;
  }
  return dedupeByRealPath(candidates);
}

/**
 * Removes candidates that point at the same directory (a workspace plugin is also symlinked
 * into node_modules), keeping the first.
 *
 * @param candidates in priority order
 * @returns the candidates with unique real paths
 */
export async function dedupeByRealPath(candidates: PluginCandidate[]): Promise<PluginCandidate[]> {
  const seen = new Set<string>();
  const result: PluginCandidate[] = [];
  for (const candidate of candidates) {
    const real = realDir(candidate.dir);
    if (seen.has(real)) continue;
    seen.add(real);
    result.push(candidate);
  }
  return result;
}

/** The real path of `dir` (one realpath(3) call, as fs/promises' realpath makes), or `dir` resolved when it does not exist. */
function realDir(dir: string): string {
  try {
    return realpathSync.native(dir);
  } catch {
    return resolve(dir);
  }
}

function scanNodeModules(nodeModules: string): PluginCandidate[] {
  const found: PluginCandidate[] = [];
  for (const name of listDir(nodeModules)) {
    if (name.startsWith('.')) continue;
    const names = name.startsWith('@') ? listDir(join(nodeModules, name)).map((child) => `${name}/${child}`) : [name];
    const dirs = names.filter(isPluginPackageName).map((pkg) => join(nodeModules, pkg));
    for (const dir of dirs) {
      const pkg = readJson(join(dir, 'package.json'));
      if (pkg && typeof pkg === 'object' && 'lockstep' in pkg) found.push({ dir, source: 'node_modules' });
    }
  }
  return found;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}
