import { ErrorCodes } from '../errors/codes.js';
import { CoordinatorError } from './coordinator-error.js';

/** Longest request line the server accepts, in bytes, without the newline. */
export const MAX_LINE_BYTES = 4096;

/** One parsed request line: `[#id] VERB arg… [key=value…]`. */
export interface ProtocolRequest {
  /** The request id without `#`, when the client sent one. */
  id?: string;
  /** The verb, upper-cased. */
  verb: string;
  /** Positional words after the verb (not `key=value`). */
  args: string[];
  /** `key=value` words. */
  options: Record<string, string>;
  /** Everything after the verb and its first argument, verbatim (the data of `PUB`). */
  tail: string;
}

/**
 * Parses a request line. Words are separated by one or more spaces; a first word `#<id>` is the
 * request id; words of the form `key=value` after the first argument are options.
 *
 * @param line one line without its newline
 * @returns the request
 * @throws {CoordinatorError} `COORDINATOR_PROTOCOL` for an empty line or a bad id
 */
export function parseRequest(line: string): ProtocolRequest {
  // split() rather than a scanning loop or a regex: this runs once per request, on the hot path.
  const normalized = line.includes('\t') ? line.replace(/\t/g, ' ') : line;
  const words = normalized.split(' ').filter((word) => word !== '');
  let first = 0;
  let id: string | undefined;
  if (words[0]?.charCodeAt(0) === 35 /* # */) {
    id = words[0].slice(1);
    first = 1;
    if (!ID.test(id)) throw protocolError('a request id is # followed by 1 to 32 letters, digits, "_", "." or "-"');
  }
  const verb = words[first];
  if (verb === undefined) throw protocolError('empty request: expected a verb (AUTH, SEM, BARRIER, LOCK, UNLOCK, INFO, PUB, SUB, UNSUB, CANCEL, PING, QUIT)');
  const args: string[] = [];
  const options: Record<string, string> = {};
  for (let w = first + 1; w < words.length; w++) {
    const word = words[w]!;
    const eq = w > first + 1 ? word.indexOf('=') : -1;
    if (eq > 0) options[word.slice(0, eq).toLowerCase()] = word.slice(eq + 1);
    else args.push(word);
  }
  const request: ProtocolRequest = { verb: verb.toUpperCase(), args, options, tail: '' };
  if (id !== undefined) request.id = id;
  const firstArg = words[first + 1];
  if (firstArg !== undefined && request.verb === 'PUB') {
    // The data of PUB is the rest of the line after the channel, verbatim (spaces kept).
    const at = normalized.indexOf(' ' + firstArg, normalized.indexOf(verb) + verb.length) + 1 + firstArg.length;
    request.tail = line.slice(at + 1);
  } else if (firstArg !== undefined) {
    request.tail = words.slice(first + 2).join(' ');
  }
  return request;
}

const ID = /^[A-Za-z0-9_.-]{1,32}$/;

/** A reply line from the server, as a client sees it. */
export type ProtocolReply =
  | { kind: 'ok'; id?: string; value: string }
  | { kind: 'err'; id?: string; code: string; message: string }
  | { kind: 'pong'; id?: string }
  | { kind: 'msg'; channel: string; from: string; data: string };

/**
 * Parses a reply line: `[#id] OK [value]`, `[#id] ERR <code> <message>`, `[#id] PONG` or
 * `MSG <channel> <from> <data>`.
 *
 * @throws {CoordinatorError} `COORDINATOR_PROTOCOL` for anything else
 */
export function parseReply(line: string): ProtocolReply {
  let rest = line;
  let id: string | undefined;
  if (rest.startsWith('#')) {
    const space = rest.indexOf(' ');
    id = rest.slice(1, space < 0 ? undefined : space);
    rest = space < 0 ? '' : rest.slice(space + 1);
  }
  const withId = id === undefined ? {} : { id };
  if (rest === 'OK' || rest.startsWith('OK ')) return { kind: 'ok', ...withId, value: rest.slice(3) };
  if (rest === 'PONG') return { kind: 'pong', ...withId };
  if (rest.startsWith('ERR ')) {
    const match = /^ERR (\S+) ?(.*)$/.exec(rest);
    if (match) return { kind: 'err', ...withId, code: match[1]!, message: match[2]! };
  }
  if (id === undefined && rest.startsWith('MSG ')) {
    const match = /^MSG (\S+) (\S+) ?(.*)$/.exec(rest);
    if (match) return { kind: 'msg', channel: match[1]!, from: match[2]!, data: match[3]! };
  }
  throw protocolError(`unexpected reply from the coordinator: ${JSON.stringify(line.slice(0, 200))}`);
}

/** Formats a reply line (without newline), prefixed with the request id when there was one. */
export function formatReply(id: string | undefined, body: string): string {
  return id === undefined ? body : `#${id} ${body}`;
}

/** Formats an error reply: `ERR <code> <message>`, the message on one line. */
export function formatError(id: string | undefined, code: string, message: string): string {
  return formatReply(id, `ERR ${code} ${message.replace(/[\r\n]+/g, ' ')}`);
}

function protocolError(message: string): CoordinatorError {
  return new CoordinatorError(ErrorCodes.COORDINATOR_PROTOCOL, message);
}
