import type { Document, LineCounter, Node } from 'yaml';
import type { PlaybookProblem } from '../errors/playbook-error.js';
import type { PathSegment } from '../schema/json-schema-to-typanion.js';

type YamlModule = typeof import('yaml');

/**
 * Parses YAML with positions. `yaml` is imported here, on first use, so that importing
 * `@lockstep/core` stays cheap for commands that never read a playbook.
 *
 * @param text the YAML
 * @param file the file name used in problems
 * @returns the parsed source
 */
export async function parseYamlSource(text: string, file: string): Promise<YamlSource> {
  return new YamlSource(await import('yaml'), text, file);
}

/**
 * A YAML file parsed with positions: turns a path into the document (`['phases', 0, 'steps']`)
 * back into `file:line:col` and the source line, for error messages.
 */
export class YamlSource {
  readonly file: string;
  readonly text: string;
  readonly document: Document;
  private readonly yaml: YamlModule;
  private readonly lineCounter: LineCounter;
  private readonly lines: string[];

  /**
   * Parses `text`. Syntax errors do not throw: read them from {@link YamlSource.syntaxProblems}.
   *
   * @param yaml the `yaml` module (see {@link parseYamlSource})
   * @param text the YAML
   * @param file the file name used in problems
   */
  constructor(yaml: YamlModule, text: string, file: string) {
    this.yaml = yaml;
    this.file = file;
    this.text = text;
    this.lines = text.split(/\r?\n/);
    this.lineCounter = new yaml.LineCounter();
    this.document = yaml.parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: false, uniqueKeys: true });
  }

  /** YAML syntax errors (and duplicate keys) as problems, with their positions. */
  syntaxProblems(): PlaybookProblem[] {
    return this.document.errors.map((error) => {
      const message = error.message.charAt(0).toLowerCase() + error.message.slice(1);
      const close = /end with an? ([}\]])/.exec(error.message)?.[1];
      const open = close === undefined ? -1 : this.unclosedBracket(error.pos[0], close === '}' ? '{' : '[', close);
      if (open !== -1) {
        // yaml reports an unclosed `{`/`[` where it gave up; the opening bracket is what to fix.
        const { line } = this.lineCounter.linePos(error.pos[0]);
        const what = close === '}' ? 'flow mapping' : 'flow sequence';
        return this.problemAtOffset(open, `invalid YAML: this ${what} is not closed: expected "${close}" before line ${line}`);
      }
      return this.problemAtOffset(error.pos[0], `invalid YAML: ${message}`);
    });
  }

  /** Finds the `open` bracket left unclosed before `offset`, skipping balanced pairs. */
  private unclosedBracket(offset: number, open: string, close: string): number {
    let depth = 0;
    for (let i = Math.min(offset, this.text.length) - 1; i >= 0; i--) {
      const c = this.text[i];
      if (c === close) depth++;
      else if (c === open) {
        if (depth === 0) return i;
        depth--;
      }
    }
    return -1;
  }

  /** The document as plain data (mappings as objects, aliases resolved). */
  toJS(): unknown {
    return this.document.toJS({ maxAliasCount: 1000 });
  }

  /**
   * Finds the YAML node at a path. When the path goes further than the document (a missing key),
   * the deepest node found stands in.
   *
   * @param path keys and indexes from the root
   * @param at `key` to get the key of the last mapping entry rather than its value
   * @returns the node, or undefined for an empty document
   */
  nodeAt(path: readonly PathSegment[], at: 'key' | 'value' = 'value'): Node | undefined {
    const { isAlias, isMap, isNode, isPair, isScalar, isSeq } = this.yaml;
    let node: unknown = this.document.contents;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!;
      const resolved = isAlias(node) ? node.resolve(this.document) : node;
      if (isMap(resolved)) {
        const pair = resolved.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) break;
        const last = i === path.length - 1;
        if ((last && at === 'key') || !isNode(pair.value) || (isScalar(pair.value) && pair.value.range?.[0] === pair.value.range?.[1])) {
          // A key with no value (`timeout:`) has an empty scalar; its key is the better place.
          node = pair.key;
          break;
        }
        node = pair.value;
      } else if (isSeq(resolved) && typeof segment === 'number' && isNode(resolved.items[segment])) {
        node = resolved.items[segment];
      } else break;
    }
    return isNode(node) ? node : undefined;
  }

  /**
   * Makes a problem located at a path.
   *
   * @param path keys and indexes from the root
   * @param message what is wrong and what was expected
   * @param at see {@link YamlSource.nodeAt}
   * @param offsetInNode characters into the node's source (to point inside a string)
   * @returns the problem
   */
  problemAt(path: readonly PathSegment[], message: string, at: 'key' | 'value' = 'value', offsetInNode = 0): PlaybookProblem {
    const node = this.nodeAt(path, at);
    const offset = (node?.range?.[0] ?? 0) + offsetInNode;
    const problem = this.problemAtOffset(offset, message);
    return path.length === 0 ? problem : { ...problem, path: formatPath(path) };
  }

  /**
   * Makes a problem at a character offset into the file.
   *
   * @param offset characters from the start of the file
   * @param message what is wrong
   * @returns the problem
   */
  problemAtOffset(offset: number, message: string): PlaybookProblem {
    const { line, col } = this.lineCounter.linePos(Math.min(offset, this.text.length));
    return { file: this.file, line, col, message, sourceLine: this.lines[line - 1] };
  }

  /**
   * Where a string's characters start in the file: the offset of `needle` inside the source of
   * the scalar at `path`, so errors can point at a template inside a longer string.
   *
   * @param path the scalar's path
   * @param needle text as it appears in the source (e.g. `${{ vars.x }}`)
   * @returns characters from the scalar's start, or 0 when the text is not found verbatim
   */
  offsetInScalar(path: readonly PathSegment[], needle: string): number {
    const node = this.nodeAt(path);
    if (!node?.range) return 0;
    const index = this.text.slice(node.range[0], node.range[1]).indexOf(needle);
    return index === -1 ? 0 : index;
  }
}

/**
 * Formats a path the way users read it: `phases[0].steps[1].run`.
 *
 * @param path keys and indexes
 * @returns the dotted form
 */
export function formatPath(path: readonly PathSegment[]): string {
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : /^[\w-]+$/.test(segment) ? `${index === 0 ? '' : '.'}${segment}` : `[${JSON.stringify(segment)}]`,
    )
    .join('');
}
