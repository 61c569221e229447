import { describe, expect, it } from 'vitest';
import { assertSafeEntry } from '../src/entry-safety.js';

describe('assertSafeEntry', () => {
  it('accepts relative names and links that stay inside', () => {
    expect(() => assertSafeEntry('a/b/c.txt')).not.toThrow();
    expect(() => assertSafeEntry('a/b/link', '../c.txt')).not.toThrow();
  });

  it.each([
    ['/etc/passwd', undefined, /absolute path/],
    ['a/../../b', undefined, /contains '\.\.'/],
    ['..', undefined, /contains '\.\.'/],
    ['a/link', '/etc/passwd', /absolute path \(\/etc\/passwd\) points out/],
    ['a/link', '../../etc', /points out of the upload/],
  ])('refuses %s -> %s', (name, target, message) => {
    expect(() => assertSafeEntry(name, target)).toThrow(expect.objectContaining({ code: 'TU1003', message: expect.stringMatching(message) }));
  });
});
