import { describe, expect, it } from 'vitest';
import { parseManifest, verifyInput } from '../src/remote-scripts.js';

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
