import { describe, expect, it } from 'vitest';
import { NACK_WINDOW_BITS, chunksOf, missingWindows } from '../../src/push/missing-bitmap.js';

describe('NACK bitmaps', () => {
  it('names exactly the missing chunks', () => {
    const have = new Uint8Array(100).fill(1);
    for (const seq of [0, 7, 8, 63, 99]) have[seq] = 0;
    const windows = missingWindows(have);
    expect(windows.flatMap((w) => chunksOf(w, 100))).toEqual([0, 7, 8, 63, 99]);
  });

  it('is empty when nothing is missing', () => {
    expect(missingWindows(new Uint8Array(10).fill(1))).toEqual([]);
  });

  it('starts each window at the next missing chunk and caps the windows per round', () => {
    const have = new Uint8Array(NACK_WINDOW_BITS * 5).fill(1);
    const missing = [3, NACK_WINDOW_BITS * 2 + 5, NACK_WINDOW_BITS * 4 + 9];
    for (const seq of missing) have[seq] = 0;
    const windows = missingWindows(have);
    expect(windows.map((w) => w.base)).toEqual(missing);
    expect(windows.flatMap((w) => chunksOf(w, have.length))).toEqual(missing);
    expect(missingWindows(have, 2)).toHaveLength(2);
  });

  it('ignores bits past the end of the file', () => {
    expect(chunksOf({ base: 8, bitmap: Buffer.from([0xff]) }, 10)).toEqual([8, 9]);
  });
});
