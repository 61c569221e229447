/** A datagram carries up to this many frame-sized chunks (and at most `datagramBytes` file bytes). */
const MAX_CHUNK_SCALE = 16;
/** A push starts with datagrams of a few chunks. */
const INITIAL_CHUNK_SCALE = 4;
/** The adapted rate never drops below this (bytes/s): random loss is not always congestion. */
const MIN_RATE = 4 * 1024 * 1024;

/**
 * How fast and in what sizes a push sends, adapted after each file's first pass.
 *
 * Datagram size: chunks are one frame's worth (the unit members NACK), and a datagram carries a
 * run of consecutive chunks: a few at first (a first file of frame-sized datagrams costs more
 * than losing some), twice as many after every file no member lost anything of, and one on
 * loss. On a clean network datagrams grow past the MTU (the kernel fragments them): each
 * datagram costs a system call and a seal on the sender and an open on every member, so fewer,
 * bigger datagrams are what makes a push fast. A lost fragment loses the whole datagram, and
 * the rest of its fragments sit in the receiver's reassembly memory until they time out (30 s
 * on Linux); once that memory is full every fragmented datagram is dropped. Hence the fall
 * back, and repairs go out one chunk (one frame) per datagram after loss: they always get
 * through.
 *
 * Rate, AIMD-style: when the worst member lost more than 2% of the chunks (a full socket buffer,
 * a slow disk or CPU), the rate drops to 70% of what the pass achieved; otherwise it grows by a
 * quarter, up to `--bwlimit`. Members that keep up are never slowed for long; one that cannot is
 * still named by the session, not waited for forever.
 */
export class SendPacer {
  readonly #frameChunk: number;
  readonly #datagramBytes: number;
  readonly #bwlimit: number;
  #rate = Infinity;
  #scale = INITIAL_CHUNK_SCALE;
  #nextSendAt = 0;

  /**
   * @param frameChunk the chunk that fits one frame (the agent's `chunkBytes`)
   * @param datagramBytes file bytes one datagram carries at most (the agent's `datagramBytes`)
   * @param bwlimit bytes per second, 0 for no cap
   */
  constructor(frameChunk: number, datagramBytes: number, bwlimit: number) {
    this.#frameChunk = frameChunk;
    this.#datagramBytes = datagramBytes;
    this.#bwlimit = bwlimit;
  }

  /** The chunk: the unit of NACKs and repairs, one frame's worth (fixed for a push). */
  get chunkBytes(): number {
    return this.#frameChunk;
  }

  /** How many consecutive chunks one datagram carries now. */
  datagramChunks(): number {
    return Math.max(1, Math.min(this.#scale, Math.floor(this.#datagramBytes / this.#frameChunk)));
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
