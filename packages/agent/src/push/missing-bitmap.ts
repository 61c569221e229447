/** Chunks one NACK can name: a bitmap of this many bits fits one datagram with room to spare. */
export const NACK_WINDOW_BITS = 8000;

/** How many NACK windows a member sends per END: bounds one round's repair traffic. */
export const NACK_WINDOWS_PER_ROUND = 16;

/** One NACK's worth of missing chunks: bit i set means chunk `base + i` is missing. */
export interface MissingWindow {
  base: number;
  bitmap: Buffer;
}

/**
 * Builds NACK windows from what a member has: each window starts at the next missing chunk.
 * @param have one byte per chunk, non-zero when received
 * @param maxWindows how many windows to return at most
 * @returns the windows, first missing first (empty when nothing is missing)
 */
export function missingWindows(have: Uint8Array, maxWindows = NACK_WINDOWS_PER_ROUND): MissingWindow[] {
  const windows: MissingWindow[] = [];
  let seq = have.indexOf(0);
  while (seq !== -1 && windows.length < maxWindows) {
    const base = seq;
    const bits = Math.min(NACK_WINDOW_BITS, have.length - base);
    const bitmap = Buffer.alloc(Math.ceil(bits / 8));
    for (let i = 0; i < bits; i++) if (have[base + i] === 0) bitmap[i >> 3]! |= 1 << (i & 7);
    windows.push({ base, bitmap });
    seq = base + bits < have.length ? have.indexOf(0, base + bits) : -1;
  }
  return windows;
}

/**
 * Lists the chunks a NACK window names.
 * @param window base and bitmap from a NACK
 * @param chunks how many chunks the file has (bits beyond are ignored)
 * @returns missing chunk numbers, ascending
 */
export function chunksOf(window: MissingWindow, chunks: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < window.bitmap.length * 8; i++) {
    if (window.base + i >= chunks) break;
    if ((window.bitmap[i >> 3]! >> (i & 7)) & 1) out.push(window.base + i);
  }
  return out;
}
