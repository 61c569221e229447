import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSources } from '../src/collect-sources.js';

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'collect-'));
  mkdirSync(join(base, 'dist', 'css'), { recursive: true });
  mkdirSync(join(base, 'dist', 'node_modules', 'x'), { recursive: true });
  writeFileSync(join(base, 'dist', 'index.html'), '<html>');
  writeFileSync(join(base, 'dist', 'css', 'a.css'), 'a');
  writeFileSync(join(base, 'dist', 'debug.log'), 'x');
  writeFileSync(join(base, 'dist', 'node_modules', 'x', 'y.js'), 'y');
  symlinkSync('missing-target', join(base, 'dist', 'dangling'));
  symlinkSync('css', join(base, 'dist', 'styles'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const names = async (sources: string[], options: { relative?: boolean; exclude?: string[] } = {}) =>
  (await collectSources(sources, { baseDir: base, relative: options.relative ?? true, exclude: options.exclude ?? [] })).map((e) => `${e.type[0]} ${e.name}`);

describe('collectSources', () => {
  it('walks a directory, parents first, keeping links (dangling or to directories) as links', async () => {
    expect(await names(['dist'], { exclude: ['node_modules'] })).toEqual([
      'd dist',
      'f dist/css/a.css',
      'd dist/css',
      's dist/dangling',
      'f dist/debug.log',
      'f dist/index.html',
      's dist/styles',
    ].sort((a, b) => a.slice(2).split('/').join('\0').localeCompare(b.slice(2).split('/').join('\0'))));
  });

  it('uploads only the contents of a directory written with a trailing slash, with relative names', async () => {
    const got = await names(['dist/'], { exclude: ['node_modules', '*.log'] });
    expect(got).toContain('f css/a.css');
    expect(got).not.toContain('f debug.log');
    expect(got.some((n) => n.includes('dist'))).toBe(false);
  });

  it('keeps absolute paths (without the leading slash) by default', async () => {
    const got = await names(['dist/index.html'], { relative: false });
    expect(got).toEqual([`f ${join(base, 'dist', 'index.html').slice(1)}`]);
  });

  it('expands globs and fails on a glob or path that matches nothing', async () => {
    expect(await names(['dist/*.html'])).toEqual(['f dist/index.html']);
    await expect(names(['dist/*.nothing'])).rejects.toMatchObject({ code: 'TU1001' });
    await expect(names(['no-such-file'])).rejects.toMatchObject({ code: 'TU1001' });
  });

  it('refuses, with relative names, a source outside the base directory', async () => {
    await expect(names(['..'])).rejects.toMatchObject({ code: 'TU1003' });
  });
});
