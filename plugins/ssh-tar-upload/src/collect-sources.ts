import { lstat, readdir, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { glob, isDynamicPattern } from 'tinyglobby';
import { assertSafeEntry } from './entry-safety.js';
import { TarUploadCodes, TarUploadError } from './errors.js';

/** One file, directory or symbolic link to put in the archive. */
export interface SourceEntry {
  /** Absolute path on the runner. */
  path: string;
  /** Path inside the archive (relative, `/`-separated). */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  stats: Stats;
  /** Target of a symbolic link. */
  linkTarget?: string;
}

/** Options of {@link collectSources}. */
export interface CollectOptions {
  baseDir: string;
  /** Archive names relative to `baseDir` (orgalorg `--relative`) rather than absolute paths. */
  relative: boolean;
  /** Globs of paths to leave out (a pattern without `/` matches a name at any depth). */
  exclude: readonly string[];
  /** Told about entries that cannot be uploaded and are skipped (sockets, devices, fifos). */
  onSkip?: (path: string, why: string) => void;
}

/**
 * Expands the sources into the archive's entries, sorted so that every directory comes before
 * what it contains. Directories are walked without following symbolic links. Archive names are
 * the absolute paths without the leading `/` (orgalorg's default: files land at the same path
 * under the target), or, with `relative`, paths relative to the base directory; then a source
 * written with a trailing `/` contributes its contents only, rsync-style.
 *
 * @param sources files, directories or globs, relative to `options.baseDir`
 * @param options base directory, naming, excludes
 * @returns the entries, each name once
 * @throws {TarUploadError} `SOURCE_INVALID` for a missing source or a glob matching nothing,
 *   `ENTRY_UNSAFE` for a name or link that would escape the target
 */
export async function collectSources(sources: readonly string[], options: CollectOptions): Promise<SourceEntry[]> {
  // A pattern without `/` matches a name at any depth; with one, a path under the source.
  const excluded = picomatch([...options.exclude], { dot: true, basename: true });
  const byName = new Map<string, SourceEntry>();
  for (const source of sources) {
    const roots = await expandSource(source, options.baseDir);
    const contentsOnly = options.relative && /[\\/]$/.test(source);
    for (const root of roots) {
      const rootStats = await statOrFail(root, source);
      const base = contentsOnly && rootStats.isDirectory() ? root : undefined;
      if (!base) await add(root, rootStats);
      if (!rootStats.isDirectory()) continue;
      const skip = options.exclude.length > 0 ? (path: string) => excluded(path) : undefined;
      for await (const [relativePath, stats] of walk(root, '', source, skip)) {
        await add(join(root, relativePath), stats, base);
      }
    }
  }
  return [...byName.values()].sort((a, b) => compareNames(a.name, b.name));

  async function add(path: string, stats: Stats, base?: string): Promise<void> {
    const name = archiveName(path, base ?? options.baseDir, options.relative || base !== undefined);
    if (name === '') return;
    if (options.exclude.length > 0 && excluded(name)) return;
    let entry: SourceEntry;
    if (stats.isSymbolicLink()) entry = { path, name, type: 'symlink', stats, linkTarget: await readlink(path) };
    else if (stats.isDirectory()) entry = { path, name, type: 'directory', stats };
    else if (stats.isFile()) entry = { path, name, type: 'file', stats };
    else {
      options.onSkip?.(path, 'not a regular file, directory or symbolic link');
      return;
    }
    assertSafeEntry(entry.name, entry.linkTarget);
    byName.set(name, entry);
  }
}

/**
 * Walks a directory depth-first without following symbolic links, skipping what `skip` excludes
 * (an excluded directory is not entered). Hand-written because glob libraries drop links that
 * dangle or point at directories, and Node's recursive readdir follows the latter: both must be
 * archived, or refused, as links.
 */
async function* walk(root: string, prefix: string, source: string, skip?: (path: string) => boolean): AsyncGenerator<[string, Stats]> {
  let names: string[];
  try {
    names = (await readdir(join(root, prefix))).sort();
  } catch (error) {
    throw new TarUploadError(TarUploadCodes.SOURCE_INVALID, `source ${JSON.stringify(source)}: cannot list ${join(root, prefix)}: ${(error as Error).message}`, { cause: error });
  }
  for (const name of names) {
    const relativePath = prefix === '' ? name : `${prefix}/${name}`;
    if (skip?.(relativePath)) continue;
    const stats = await statOrFail(join(root, relativePath), source);
    yield [relativePath, stats];
    if (stats.isDirectory()) yield* walk(root, relativePath, source, skip);
  }
}

async function expandSource(source: string, baseDir: string): Promise<string[]> {
  if (!isDynamicPattern(source)) return [resolve(baseDir, source)];
  const matches = await glob([source], { cwd: baseDir, absolute: true, dot: true, onlyFiles: false, expandDirectories: false, followSymbolicLinks: false });
  if (matches.length === 0) throw new TarUploadError(TarUploadCodes.SOURCE_INVALID, `source ${JSON.stringify(source)} matched nothing (in ${baseDir})`);
  return matches.map((match) => match.replace(/\/$/, '')).sort();
}

async function statOrFail(path: string, source: string): Promise<Stats> {
  try {
    return await lstat(path);
  } catch (error) {
    throw new TarUploadError(TarUploadCodes.SOURCE_INVALID, `source ${JSON.stringify(source)}: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function archiveName(path: string, base: string, relativeNames: boolean): string {
  if (!relativeNames) return path.split(sep).filter(Boolean).join('/');
  const name = relative(base, path);
  if (isAbsolute(name) || name === '..' || name.startsWith(`..${sep}`)) {
    throw new TarUploadError(
      TarUploadCodes.ENTRY_UNSAFE,
      `refusing to upload ${path}: with \`relative\` every source must be inside ${base}`,
    );
  }
  return name.split(sep).join('/');
}

/** Orders names component by component, so that `a/b` sorts right after `a` and before `a-b`. */
function compareNames(a: string, b: string): number {
  const left = a.split('/');
  const right = b.split('/');
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return left[i]! < right[i]! ? -1 : 1;
  }
  return left.length - right.length;
}
