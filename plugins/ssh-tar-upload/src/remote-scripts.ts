import { shellQuote } from '@lockstep/core';

/**
 * The shell scripts a node runs, with GNU coreutils, findutils and tar (every Debian node has
 * them). Each takes its parameters as quoted variables at the top.
 */

/** Wraps a script for `sudo -n` (NOPASSWD) when asked; otherwise runs it as the login user. */
export function asUser(script: string, sudo: boolean): string {
  return sudo ? `sudo -n -- sh -c ${shellQuote(script)}` : script;
}

/** Options of {@link receiveScript}. */
export interface ReceiveOptions {
  /** Directory the archive is extracted into. */
  dir: string;
  /** True for a per-run temporary directory: created fresh (mode 0700), must not exist yet. */
  temporary: boolean;
  compress: boolean;
  preserveUid: boolean;
  preserveGid: boolean;
}

/**
 * Receives the archive on stdin and extracts it: modes exactly (`-p`) and times always, owners
 * by number when the extracting user is root and `preserveUid`/`preserveGid` ask for it. GNU
 * tar already refuses members with `..` and strips leading `/`; the script turns the latter,
 * which it only warns about, into a refusal (exit 65), so a hand-made archive cannot place files
 * where the sender did not mean them.
 *
 * @param options where and how
 * @returns the script
 */
export function receiveScript(options: ReceiveOptions): string {
  const owners = options.preserveUid || options.preserveGid ? 'own="--same-owner --numeric-owner"' : 'own=--no-same-owner';
  return [
    // A dropped connection must not kill the script before it has cleaned up (SIGPIPE on stderr).
    "trap '' PIPE HUP",
    `d=${shellQuote(options.dir)}`,
    options.temporary ? `mkdir -p -- "$(dirname -- "$d")" && (umask 077 && mkdir -- "$d") || exit 1` : 'mkdir -p -- "$d" || exit 1',
    'cd -- "$d" || exit 1',
    // Only root can give files away; anyone else gets their own files, as tar does by default.
    `if [ "$(id -u)" = 0 ]; then ${owners}; else own=--no-same-owner; fi`,
    'err=$(mktemp) || exit 1',
    // 128 kB records (`-b 256`, filled from the pipe with `-B`) rather than tar's 10 kB: tar
    // writes files in record-sized pieces, and with fewer, larger writes extraction costs about
    // a third less CPU, which the nodes of a shared machine, or a busy node, feel.
    `tar -x -f - -b 256 -B ${options.compress ? '-z ' : ''}-p $own 2>"$err"`,
    'rc=$?',
    `if grep -q -e "Removing leading" -e "contains '\\.\\.'" "$err"; then rc=65; fi`,
    // A failed upload leaves nothing behind in a temporary directory, even if the runner is gone.
    ...(options.temporary ? ['if [ "$rc" -ne 0 ]; then cd / && rm -rf -- "$d"; fi'] : []),
    'cat "$err" >&2',
    'rm -f "$err"',
    'exit "$rc"',
  ].join('\n');
}

/**
 * After extraction: gives files to the extracting user when owners are half-preserved (GNU tar
 * keeps both or neither), checks that no symbolic link points out of the directory, and prints
 * the checksum manifest: `sha256  name` NUL-terminated, computed by the node itself.
 *
 * The archive's names come on stdin as NUL-terminated records: `a<name>` for every entry,
 * `f<name>` for regular files, `l<name>` for symbolic links (see {@link verifyInput}). In a
 * temporary directory the manifest and the link check cover everything found there (so a stray
 * file is caught); in a `root` directory, the archive's entries only.
 *
 * @param options where, and which owners to keep
 * @returns the script; exit 66 means a link points out
 */
export function verifyScript(options: { dir: string; temporary: boolean; preserveUid: boolean; preserveGid: boolean }): string {
  const lines = [
    `d=${shellQuote(options.dir)}`,
    'cd -- "$d" || exit 1',
    'list=$(mktemp) || exit 1',
    `trap 'rm -f "$list" "$list.files" "$list.sums"' EXIT`,
    'cat > "$list" || exit 1',
  ];
  if (options.preserveUid !== options.preserveGid) {
    const fix = options.preserveUid ? 'chgrp -h -- "$(id -g)"' : 'chown -h -- "$(id -u)"';
    lines.push(`if [ "$(id -u)" = 0 ]; then sed -nz 's/^a//p' "$list" | xargs -0 -r ${fix} || exit 1; fi`);
  }
  const links = options.temporary ? 'find . -type l -print0' : `sed -nz 's/^l//p' "$list"`;
  lines.push(
    `out=$(${links} | xargs -0 -r realpath -m --relative-base="$(pwd -P)" -- | grep '^/' | head -n 5)`,
    'if [ -n "$out" ]; then printf "link points out of the upload: %s\\n" $out >&2; exit 66; fi',
    // Names as `./name`, so that none starts with `-`.
    options.temporary ? 'find . -type f -print0 > "$list.files"' : `sed -nz 's|^f|./|p' "$list" > "$list.files"`,
    ...hashFiles('"$list.files"', '"$list.sums"'),
  );
  return lines.join('\n');
}

/**
 * Script lines printing `sha256  name` records, NUL-terminated, for the NUL-terminated names in
 * `listFile`. coreutils' sha256sum does not use the CPU's SHA instructions (about 200 MB/s on
 * the benchmark's machine, against about 1 GB/s for OpenSSL), and with 8 nodes sharing that
 * machine hashing took a fifth of the upload's time; so `openssl dgst` hashes when the node has
 * it. Its output is one line
 * per file and cannot carry every name, so names holding a newline or a backslash (rare) still
 * go through `sha256sum -z`, as does everything on a node without openssl.
 */
function hashFiles(listFile: string, scratchFile: string): string[] {
  return [
    'if openssl dgst -sha256 -r /dev/null >/dev/null 2>&1; then',
    // Through a file, so that a failing openssl fails the script (sh has no pipefail).
    `  sed -z '/[\\n\\\\]/d' ${listFile} | xargs -0 -r openssl dgst -sha256 -r > ${scratchFile} || exit 1`,
    `  sed 's/^\\([0-9a-f]\\{64\\}\\) \\*/\\1  /' ${scratchFile} | tr '\\n' '\\0'`,
    `  sed -nz '/[\\n\\\\]/p' ${listFile} | xargs -0 -r sha256sum -z --`,
    'else',
    `  xargs -0 -r sha256sum -z -- < ${listFile}`,
    'fi',
  ];
}

/**
 * The stdin of {@link verifyScript}: NUL-terminated records naming the archive's entries.
 *
 * @param entries names and types
 * @returns the records
 */
export function verifyInput(entries: ReadonlyArray<{ name: string; type: 'file' | 'directory' | 'symlink' }>): string {
  let text = '';
  for (const entry of entries) {
    text += `a${entry.name}\0`;
    if (entry.type === 'file') text += `f${entry.name}\0`;
    if (entry.type === 'symlink') text += `l${entry.name}\0`;
  }
  return text;
}

/**
 * Parses the manifest {@link verifyScript} prints.
 *
 * @param output `sha256  name` records, NUL-terminated (`./` prefixes are dropped)
 * @returns sha256 by name
 */
export function parseManifest(output: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const record of output.split('\0')) {
    const match = /^([0-9a-f]{64}) [ *](.*)$/s.exec(record.replace(/^\n/, ''));
    if (match) sums.set(match[2]!.replace(/^\.\//, ''), match[1]!);
  }
  return sums;
}

/**
 * The default sync tool: moves every entry of the temporary directory into `dest` with
 * `rename(2)` (`mv`, one per directory of files), so that a destination file is always either
 * the old one or the whole new one. Directories are created first and get their modes, owners
 * and times from the archive last (moving files in changes a directory's time). The temporary
 * directory is on the destination's filesystem, which keeps the renames atomic.
 *
 * @param options the temporary directory and the destination
 * @returns the script
 */
export function moveScript(options: { dir: string; dest: string }): string {
  return [
    `t=${shellQuote(options.dir)}`,
    `dest=${shellQuote(options.dest)}`,
    'cd -- "$t" || exit 1',
    't=$(pwd -P)',
    'mkdir -p -- "$dest" || exit 1',
    'find . -mindepth 1 -type d -print0 | (cd -- "$dest" && xargs -0 -r mkdir -p --) || exit 1',
    // -execdir runs in each file's directory, so $PWD under $t names the destination directory.
    `find . -mindepth 1 ! -type d -execdir sh -c 'd="$0/\${PWD#"$1"}"; shift; exec mv -f -t "$d" -- "$@"' "$dest" "$t" {} + || exit 1`,
    `find . -mindepth 1 -depth -type d -exec sh -c 'for p; do q="$0/$p"; chmod --reference="$p" -- "$q"; [ "$(id -u)" = 0 ] && chown --reference="$p" -- "$q"; touch -r "$p" -- "$q"; done' "$dest" {} + || exit 1`,
    'cd / && rm -rf -- "$t"',
  ].join('\n');
}

/**
 * Removes a temporary upload directory (after a failure, or after a sync tool ran).
 *
 * @param dir the directory
 * @returns the script
 */
export function cleanupScript(dir: string): string {
  return `rm -rf -- ${shellQuote(dir)}`;
}
