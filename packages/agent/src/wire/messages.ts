/**
 * Agent messages on the wire, inside a sealed datagram: one type byte, a 2-byte header length,
 * a JSON header, then raw bytes (file chunks, NACK bitmaps, ring padding).
 */

/** Message types and their wire numbers (never renumbered). */
export const MessageTypes = {
  announce: 1,
  open: 2,
  openAck: 3,
  data: 4,
  end: 5,
  nack: 6,
  done: 7,
  ring: 8,
  echo: 9,
  echoReply: 10,
} as const;

/** One of the message type names. */
export type MessageType = keyof typeof MessageTypes;

const typeByNumber = new Map<number, MessageType>(
  Object.entries(MessageTypes).map(([name, value]) => [value, name as MessageType]),
);

/** A decoded message: its type, JSON header and raw body. */
export interface WireMessage<H = Record<string, unknown>> {
  type: MessageType;
  header: H;
  body: Buffer;
}

/** Fixed bytes before the JSON header: type and header length. */
export const MESSAGE_PREFIX_BYTES = 3;

/**
 * Encodes a message.
 * @param type message type
 * @param header JSON-serializable header
 * @param body raw bytes after the header
 * @returns the payload to seal
 * @throws {RangeError} when the header is over 65535 bytes
 */
export function encodeMessage(type: MessageType, header: unknown, body?: Uint8Array): Buffer {
  const head = encodeMessageHead(type, header);
  return body && body.length > 0 ? Buffer.concat([head, body]) : head;
}

/**
 * Encodes a message's type and header: the body follows as it is (see `Sealer.sealParts`), so
 * a file chunk is never copied just to sit behind its header.
 * @param type message type
 * @param header JSON-serializable header
 * @returns the payload's first part
 * @throws {RangeError} when the header is over 65535 bytes
 */
export function encodeMessageHead(type: MessageType, header: unknown): Buffer {
  const json = JSON.stringify(header);
  const length = Buffer.byteLength(json, 'utf8');
  if (length > 0xffff) throw new RangeError(`message header is ${length} bytes (max 65535)`);
  const head = Buffer.allocUnsafe(MESSAGE_PREFIX_BYTES + length);
  head.writeUInt8(MessageTypes[type], 0);
  head.writeUInt16BE(length, 1);
  head.write(json, MESSAGE_PREFIX_BYTES, 'utf8');
  return head;
}

/**
 * Decodes a payload.
 * @param payload an opened datagram
 * @returns the message, or undefined when it is malformed (the caller drops it)
 */
export function decodeMessage(payload: Buffer): WireMessage | undefined {
  if (payload.length < MESSAGE_PREFIX_BYTES) return undefined;
  const type = typeByNumber.get(payload.readUInt8(0));
  const length = payload.readUInt16BE(1);
  if (!type || payload.length < MESSAGE_PREFIX_BYTES + length) return undefined;
  try {
    const header = JSON.parse(payload.subarray(MESSAGE_PREFIX_BYTES, MESSAGE_PREFIX_BYTES + length).toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
    return { type, header: header as Record<string, unknown>, body: payload.subarray(MESSAGE_PREFIX_BYTES + length) };
  } catch {
    return undefined;
  }
}
