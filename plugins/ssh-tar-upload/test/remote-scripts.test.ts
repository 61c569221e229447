import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest, verifyInput, verifyScript } from '../src/remote-scripts.js';

describe('verifyInput', () => {
  it('tags every entry, regular files and links', () => {
    expect(verifyInput([{ name: 'd', type: 'directory' }, { name: 'd/f', type: 'file' }, { name: 'l', type: 'symlink' }])).toBe('ad\0ad/f\0fd/f\0al\0ll\0');
  });
});

describe('parseManifest', () => {
  it('reads sha256sum -z records, with or without ./ prefixes and with odd names', () => {
    const sum = 'a'.repeat(64);
    expect(parseManifest(`${sum}  ./x/y\0${sum}  name with\nnewline\0`)).toEqual(new Map([['x/y', sum], ['name with\nnewline', sum]]));
  });
});

describe('verifyScript', () => {
  // Names that each hashing path must carry: spaces, a leading dash, a newline, a backslash.
  const files: Record<string, string> = { 'd/a b': 'one', '-dash': 'two', 'new\nline': 'three', 'back\\slash': 'four', 'd/plain': 'five' };
  const expected = new Map(Object.entries(files).map(([name, text]) => [name, createHash('sha256').update(text).digest('hex')]));
  const entries = [{ name: 'd', type: 'directory' as const }, ...Object.keys(files).map((name) => ({ name, type: 'file' as const }))];
  let base: string;
  let noOpenssl: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'verify-'));
    mkdirSync(join(base, 'tree', 'd'), { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(base, 'tree', name), text);
    // A node without openssl: a stand-in that fails the way a missing command does.
    noOpenssl = join(base, 'bin');
    mkdirSync(noOpenssl);
    writeFileSync(join(noOpenssl, 'openssl'), '#!/bin/sh\nexit 127\n');
    chmodSync(join(noOpenssl, 'openssl'), 0o755);
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  const run = (temporary: boolean, path: string) =>
    parseManifest(
      execFileSync('sh', ['-c', verifyScript({ dir: join(base, 'tree'), temporary, preserveUid: true, preserveGid: true })], {
        input: verifyInput(entries),
        env: { ...process.env, PATH: path },
      }).toString('utf8'),
    );

  for (const temporary of [true, false]) {
    it(`prints the same manifest with or without openssl on the node (${temporary ? 'temporary directory' : 'root'})`, () => {
      expect(run(temporary, process.env.PATH!)).toEqual(expected);
      expect(run(temporary, `${noOpenssl}:${process.env.PATH!}`)).toEqual(expected);
    });
  }
});
