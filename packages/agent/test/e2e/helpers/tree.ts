import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Writes a tree of files with random content, odd modes and old mtimes under `root`.
 * @param root directory
 * @param files relative path → size in bytes
 */
export function writeTree(root: string, files: Record<string, number>): void {
  let n = 0;
  for (const [path, size] of Object.entries(files)) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(size));
    chmodSync(file, n % 2 ? 0o640 : 0o755);
    const when = new Date(Date.UTC(2020, 0, 1 + n++));
    utimesSync(file, when, when);
  }
}

/** Path → `sha256 mode mtime` of every file and symlink under root (directories listed too). */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const childRel = rel ? `${rel}/${name}` : name;
      const stats = lstatSync(join(root, childRel));
      if (stats.isDirectory()) {
        out[`${childRel}/`] = 'dir';
        walk(childRel);
      } else {
        const sha = createHash('sha256').update(readFileSync(join(root, childRel))).digest('hex');
        out[childRel] = `${sha} ${(stats.mode & 0o7777).toString(8)} ${Math.floor(stats.mtimeMs / 1000)}`;
      }
    }
  };
  walk('');
  return out;
}
