import { describe, expect, it } from 'vitest';
import { normalizeTarUploadOptions } from '../src/normalize-options.js';

describe('normalizeTarUploadOptions', () => {
  it('defaults to orgalorg: absolute names, owners kept, temporary directory, mover into /', () => {
    expect(normalizeTarUploadOptions({ src: 'dist' }, '/play')).toMatchObject({
      src: ['dist'],
      baseDir: '/play',
      root: undefined,
      tempParent: '/',
      relative: false,
      preserveUid: true,
      preserveGid: true,
      sudo: false,
      compress: false,
      sync: { kind: 'move', dest: '/' },
      onNodeFailure: 'continue',
    });
  });

  it('uploads straight into root with no mover', () => {
    expect(normalizeTarUploadOptions({ src: ['a'], root: '/srv' }, '/p')).toMatchObject({ root: '/srv', sync: { kind: 'none' } });
  });

  it('builds the tool command with sync-args appended untouched, and resolves stdin', () => {
    const options = normalizeTarUploadOptions({ src: 'a', 'sync-cmd': 'tool', 'sync-args': ['-v', '$X'], stdin: 'in.txt' }, '/p');
    expect(options.sync).toEqual({ kind: 'protocol', command: 'tool -v $X', stdinFile: '/p/in.txt' });
  });

  it.each([
    [{ src: [] }, /at least one/],
    [{ src: 'a', 'sync-cmd': 'x', simple: 'y' }, /either `sync-cmd`/],
    [{ src: 'a', dest: 'relative/dir' }, /`dest` must be an absolute path/],
    [{ src: 'a', stdin: 'f' }, /`stdin` is for a `simple` or `sync-cmd` tool/],
    [{ src: 'a', simple: 'x', sync: 'none' as const }, /contradicts/],
  ])('refuses contradictions: %j', (args, message) => {
    expect(() => normalizeTarUploadOptions(args, '/p')).toThrow(message);
  });

  it('reads send-timeout as a duration', () => {
    expect(normalizeTarUploadOptions({ src: 'a', 'send-timeout': '1m' }, '/p').sendTimeoutMs).toBe(60_000);
  });
});
