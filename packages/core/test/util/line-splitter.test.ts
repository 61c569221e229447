import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/util/line-splitter.js';
import { stripFinalNewline } from '../../src/transports/strip-final-newline.js';

describe('LineSplitter', () => {
  it('emits complete lines across chunks, keeps split UTF-8 characters whole and drops CR', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('héllo\r\nwörld\nlast');
    for (const piece of [bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)]) splitter.push(piece);
    expect(lines).toEqual(['héllo', 'wörld']);
    splitter.end();
    expect(lines).toEqual(['héllo', 'wörld', 'last']);
  });

  it('emits nothing at end when the output ended with a newline', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l));
    splitter.push('a\n\nb\n');
    splitter.end();
    expect(lines).toEqual(['a', '', 'b']);
  });
});

describe('stripFinalNewline', () => {
  it('removes exactly one final newline', () => {
    expect(stripFinalNewline('a\n\n')).toBe('a\n');
    expect(stripFinalNewline('a\r\n')).toBe('a');
    expect(stripFinalNewline('a')).toBe('a');
  });
});
