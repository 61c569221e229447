import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, scryptSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorCodes, LockstepError } from '@lockstep/core';

/** First bytes of every lockstep agent datagram: `LSA`, then the wire version. */
const MAGIC = Buffer.from('LSA\x01', 'latin1');
const FLAG_PLAIN = 0;
const FLAG_SEALED = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Bytes a sealed datagram adds to its payload: magic, flag, nonce and GCM tag. */
export const SEAL_OVERHEAD = MAGIC.length + 1 + NONCE_BYTES + TAG_BYTES;

/**
 * Seals and opens agent datagrams. With a key every datagram is AES-256-GCM sealed (the
 * header is authenticated as associated data) and anything that does not open is dropped;
 * without a key datagrams travel in the clear and sealed ones are dropped.
 */
export class Sealer {
  /** A KeyObject, made once: a raw Buffer key is turned into one on every seal and open. */
  readonly #key: KeyObject | undefined;
  readonly #plainHeader = Buffer.concat([MAGIC, Buffer.from([FLAG_PLAIN])]);
  readonly #sealedHeader = Buffer.concat([MAGIC, Buffer.from([FLAG_SEALED])]);
  /**
   * Nonces are a random 4-byte prefix drawn at start plus a 64-bit counter (NIST SP 800-38D's
   * deterministic construction): never repeated within a process, and a restarted agent draws
   * a new prefix. Cheaper than 12 random bytes per datagram.
   */
  readonly #noncePrefix = randomBytes(4);
  #counter = 0n;

  /** @param key 32-byte AES-256 key, or undefined for clear text (loopback only) */
  constructor(key: Buffer | undefined) {
    if (key && key.length !== 32) throw new TypeError(`key must be 32 bytes, received ${key.length}`);
    this.#key = key && createSecretKey(key);
  }

  /** True when datagrams are sealed. */
  get sealed(): boolean {
    return this.#key !== undefined;
  }

  /** Bytes this sealer adds to a payload. */
  get overhead(): number {
    return this.#key ? SEAL_OVERHEAD : MAGIC.length + 1;
  }

  /**
   * Wraps a payload into a datagram.
   * @param payload the encoded message
   * @returns the datagram to send
   */
  seal(payload: Buffer): Buffer {
    return Buffer.concat(this.sealParts([payload]));
  }

  /**
   * Wraps a payload given in parts into a datagram given in parts, for a gathering send
   * (sendmsg with an iovec): a file chunk is encrypted straight from the read block into the
   * ciphertext, with no copy to join it to its header before or to the seal after.
   * @param parts the encoded message, in order (e.g. message head, then chunk)
   * @returns the datagram's parts, in order
   */
  sealParts(parts: readonly Buffer[]): Buffer[] {
    if (!this.#key) return [this.#plainHeader, ...parts];
    const head = Buffer.allocUnsafe(this.#sealedHeader.length + NONCE_BYTES);
    this.#sealedHeader.copy(head, 0);
    this.#noncePrefix.copy(head, this.#sealedHeader.length);
    head.writeBigUInt64BE(this.#counter++, this.#sealedHeader.length + 4);
    const cipher = createCipheriv('aes-256-gcm', this.#key, head.subarray(this.#sealedHeader.length));
    cipher.setAAD(this.#sealedHeader);
    const out = [head];
    for (const part of parts) if (part.length > 0) out.push(cipher.update(part));
    // GCM's final() writes nothing (it only computes the tag).
    cipher.final();
    out.push(cipher.getAuthTag());
    return out;
  }

  /**
   * Unwraps a datagram.
   * @param datagram what arrived
   * @returns the payload, or undefined when the datagram is foreign, forged, altered, or sealed
   * differently than this agent expects (the caller drops it)
   */
  open(datagram: Buffer): Buffer | undefined {
    if (datagram.length < MAGIC.length + 1 || !datagram.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const flag = datagram[MAGIC.length];
    if (!this.#key) return flag === FLAG_PLAIN ? datagram.subarray(MAGIC.length + 1) : undefined;
    if (flag !== FLAG_SEALED || datagram.length < SEAL_OVERHEAD) return undefined;
    const headerEnd = MAGIC.length + 1;
    const nonce = datagram.subarray(headerEnd, headerEnd + NONCE_BYTES);
    const tag = datagram.subarray(datagram.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce);
      decipher.setAAD(datagram.subarray(0, headerEnd));
      decipher.setAuthTag(tag);
      const plain = decipher.update(datagram.subarray(headerEnd + NONCE_BYTES, datagram.length - TAG_BYTES));
      // GCM's final() only checks the tag (it returns no bytes): skip a copy of every payload.
      const rest = decipher.final();
      return rest.length === 0 ? plain : Buffer.concat([plain, rest]);
    } catch {
      return undefined;
    }
  }
}

/**
 * Reads a shared key file: 64 hex digits are used as the key itself; any other text (a
 * passphrase, like makuosan's key file) is stretched with scrypt, so every agent given the same
 * file derives the same key.
 *
 * @param file path of the key file
 * @returns the 32-byte key
 * @throws {LockstepError} `AGENT_KEY_INVALID` when the file is unreadable or empty
 */
export function loadKeyFile(file: string): Buffer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new LockstepError(ErrorCodes.AGENT_KEY_INVALID, `cannot read key file ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (text.length === 0) throw new LockstepError(ErrorCodes.AGENT_KEY_INVALID, `key file ${file} is empty`);
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  return scryptSync(text, 'lockstep-agent-v1', 32);
}
