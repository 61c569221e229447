/**
 * The lines of orgalorg's sync protocol and lockstep's additions, formatted and parsed in one
 * place. Every line starts with the run's prefix and a space; the wire format is documented in
 * this plugin's README and in docs/protocol.md.
 */

/** A line the tool wrote on stdout that starts with the prefix, parsed. */
export type ToolMessage =
  /** `<prefix> SYNC <description>`: broadcast to every node's tool. */
  | { kind: 'sync'; description: string }
  /** `<prefix> BARRIER <name> [count]`: wait at a coordinator barrier. */
  | { kind: 'barrier'; name: string; count?: number }
  /** `<prefix> SEM <name> <delta>`: a coordinator semaphore operation. */
  | { kind: 'sem'; name: string; delta: number }
  /** A prefixed line lockstep cannot act on; `reason` says why (sent back in an ERR line). */
  | { kind: 'invalid'; verb?: 'BARRIER' | 'SEM'; name?: string; reason: string };

/**
 * Parses one stdout line of the tool.
 *
 * @param prefix the run's protocol prefix
 * @param line the line, without its newline
 * @returns the message, or undefined when the line is not a protocol line (it is then output)
 */
export function parseToolLine(prefix: string, line: string): ToolMessage | undefined {
  const head = `${prefix} `;
  if (!line.startsWith(head)) return undefined;
  const rest = line.slice(head.length);
  const verb = /^\S*/.exec(rest)![0];
  const body = rest.slice(verb.length);
  switch (verb) {
    case 'SYNC':
      // orgalorg trims the description and keeps everything else as is.
      return { kind: 'sync', description: body.trim() };
    case 'BARRIER':
      return parseBarrier(words(body));
    case 'SEM':
      return parseSem(words(body));
    default:
      return { kind: 'invalid', reason: verb === '' ? 'empty message' : `unknown message "${verb}" (expected SYNC, BARRIER or SEM)` };
  }
}

function parseBarrier(args: string[]): ToolMessage {
  const [name, count, ...extra] = args;
  if (name === undefined) return { kind: 'invalid', verb: 'BARRIER', reason: 'BARRIER needs a name: BARRIER <name> [count]' };
  if (extra.length > 0) return { kind: 'invalid', verb: 'BARRIER', name, reason: `unexpected "${extra.join(' ')}" after the count` };
  if (count === undefined) return { kind: 'barrier', name };
  if (!/^[1-9]\d*$/.test(count)) return { kind: 'invalid', verb: 'BARRIER', name, reason: `count must be a positive integer, got "${count}"` };
  return { kind: 'barrier', name, count: Number(count) };
}

function parseSem(args: string[]): ToolMessage {
  const [name, delta, ...extra] = args;
  if (name === undefined) return { kind: 'invalid', verb: 'SEM', reason: 'SEM needs a name and a delta: SEM <name> <delta>' };
  if (delta === undefined) return { kind: 'invalid', verb: 'SEM', name, reason: 'SEM needs a delta: SEM <name> <delta>' };
  if (extra.length > 0) return { kind: 'invalid', verb: 'SEM', name, reason: `unexpected "${extra.join(' ')}" after the delta` };
  if (!/^[+-]?\d+$/.test(delta) || !Number.isSafeInteger(Number(delta))) {
    return { kind: 'invalid', verb: 'SEM', name, reason: `delta must be an integer, got "${delta}"` };
  }
  return { kind: 'sem', name, delta: Number(delta) };
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== '');
}

/**
 * The lines the runner writes to one node's tool before anything else: HELLO, one NODE per node
 * of the phase (the receiving node's own line ends with ` CURRENT`, as orgalorg does), START.
 *
 * @param prefix the run's protocol prefix
 * @param nodes every node of the phase, in playbook order
 * @param current the node receiving these lines
 * @returns the lines, without newlines
 */
export function preambleLines(prefix: string, nodes: readonly string[], current: string): string[] {
  return [
    `${prefix} HELLO`,
    ...nodes.map((node) => `${prefix} NODE ${node}${node === current ? ' CURRENT' : ''}`),
    `${prefix} START`,
  ];
}

/**
 * A SYNC as broadcast to every tool: `<prefix> SYNC <node> <description>`. As in orgalorg, the
 * space after the node is written even when the description is empty.
 *
 * @param prefix the run's protocol prefix
 * @param node the node whose tool sent the SYNC
 * @param description what it wrote after `SYNC`, trimmed
 * @returns the line, without newline
 */
export function syncBroadcastLine(prefix: string, node: string, description: string): string {
  return `${prefix} SYNC ${node} ${description}`;
}

/**
 * The answer to a BARRIER or SEM line: `<prefix> <VERB> <name> OK <number>` or
 * `<prefix> <VERB> <name> ERR <message>`; an unparseable line gets `<prefix> ERR <message>`.
 *
 * @param prefix the run's protocol prefix
 * @param answer what to say
 * @returns the line, without newline
 */
export function answerLine(
  prefix: string,
  answer: { verb?: 'BARRIER' | 'SEM'; name?: string } & ({ ok: number } | { error: string }),
): string {
  const head = answer.verb && answer.name !== undefined ? `${prefix} ${answer.verb} ${answer.name}` : `${prefix}`;
  // A message is one line on the wire: newlines in it would read as separate messages.
  return 'ok' in answer ? `${head} OK ${answer.ok}` : `${head} ERR ${answer.error.replace(/\s*\n\s*/g, ' ')}`;
}
