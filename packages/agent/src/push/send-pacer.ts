/** Chunks grow up to this many times the frame-sized chunk… */
const MAX_CHUNK_SCALE = 16;
/** …and never past this many bytes. */
const MAX_CHUNK_BYTES = 24 * 1024;
/** A push starts with chunks of a few frames. */
const INITIAL_CHUNK_SCALE = 4;
/** The adapted rate never drops below this (bytes/s): random loss is not always congestion. */
const MIN_RATE = 4 * 1024 * 1024;

/**
 * How fast and in what sizes a push sends, adapted after each file's first pass.
 *
 * Chunk size: chunks start at a few frames (a first file of frame-sized chunks costs more than
 * losing some), double after every file no member lost anything of, and fall back to one frame
 * on loss. On a clean network they grow past the MTU (the kernel fragments them): each datagram
 * costs a system call and a seal on the sender and an open on every member, so fewer, bigger
 * datagrams are what makes a push fast; a lost fragment loses the whole datagram, hence the
 * fall back.
 *
 * Rate, AIMD-style: when the worst member lost more than 2% of the chunks (a full socket buffer,
 * a slow disk or CPU), the rate drops to 70% of what the pass achieved; otherwise it grows by a
 * quarter, up to `--bwlimit`. Members that keep up are never slowed for long; one that cannot is
 * still named by the session, not waited for forever.
 */
export class SendPacer {
  readonly #frameChunk: number;
  readonly #bwlimit: number;
  #rate = Infinity;
  #scale = INITIAL_CHUNK_SCALE;
  #nextSendAt = 0;

  /**
   * @param frameChunk the chunk that fits one frame (the agent's `chunkBytes`)
   * @param bwlimit bytes per second, 0 for no cap
   */
  constructor(frameChunk: number, bwlimit: number) {
    this.#frameChunk = frameChunk;
    this.#bwlimit = bwlimit;
  }

  /** The chunk size for the next file. */
  chunkBytes(): number {
    return Math.max(this.#frameChunk, Math.min(MAX_CHUNK_BYTES, this.#frameChunk * this.#scale));
  }

  /**
   * Learns from a file's first pass.
   * @param lostFraction the worst member's share of chunks missing after the pass
   * @param bytes the file's size
   * @param passMs how long the pass took
   */
  adapt(lostFraction: number, bytes: number, passMs: number): void {
    if (lostFraction > 0.01) this.#scale = 1;
    else if (lostFraction === 0 && bytes >= 256 * 1024) this.#scale = Math.min(this.#scale * 2, MAX_CHUNK_SCALE);
    if (bytes < 64 * 1024 || passMs <= 0) return;
    const achieved = (bytes / passMs) * 1000;
    if (lostFraction > 0.02) this.#rate = Math.max(MIN_RATE, Math.min(this.#rate, achieved) * 0.7);
    else if (Number.isFinite(this.#rate)) this.#rate = this.#rate * 1.25 > achieved * 4 ? Infinity : this.#rate * 1.25;
  }

  /**
   * Waits, if needed, so that sending `bytes` more keeps to the rate.
   * @param bytes what was just sent
   */
  async pace(bytes: number): Promise<void> {
    const rate = Math.min(this.#rate, this.#bwlimit > 0 ? this.#bwlimit : Infinity);
    if (!Number.isFinite(rate)) return;
    const now = performance.now();
    this.#nextSendAt = Math.max(this.#nextSendAt, now - 5) + (bytes / rate) * 1000;
    if (this.#nextSendAt - now > 2) await new Promise((resolve) => setTimeout(resolve, this.#nextSendAt - now));
  }
}
