import { describe, expect, it } from 'vitest';
import { normalizePushOptions, parseRate } from '../../src/push/push-options.js';

describe('push options', () => {
  it('parses rates in bytes per second', () => {
    expect(parseRate('500')).toBe(500);
    expect(parseRate('500K')).toBe(512_000);
    expect(parseRate('10M')).toBe(10 * 1024 * 1024);
    expect(parseRate('1.5MiB/s')).toBe(Math.round(1.5 * 1024 * 1024));
    expect(() => parseRate('fast')).toThrow(/bwlimit/);
  });

  it('defaults everything and turns --sync into a recursive push of the base', () => {
    expect(normalizePushOptions({ paths: ['a'] })).toEqual({ paths: ['a'], recursive: false, dryRun: false, targets: [], delete: false, checksum: false, bwlimit: 0, exclude: [] });
    expect(normalizePushOptions({ sync: true })).toMatchObject({ paths: ['.'], recursive: true });
    expect(() => normalizePushOptions({})).toThrow(/paths/);
    expect(() => normalizePushOptions({ paths: 'a' })).toThrow(/list of strings/);
  });
});
