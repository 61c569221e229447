import { readFile } from 'node:fs/promises';
import { ErrorCodes } from '../errors/codes.js';
import { LockstepError } from '../errors/lockstep-error.js';
import { PlaybookError, type PlaybookProblem } from '../errors/playbook-error.js';
import type { JsonSchema } from '../plugins/json-schema.js';
import { describeValue } from '../schema/describe-value.js';
import { isPlainObject, jsonSchemaToTypanion, type Check, type LocatedValidationState } from '../schema/json-schema-to-typanion.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

/**
 * Reads a playbook or inventory file.
 *
 * @param file the path as the user gave it
 * @param what `playbook` or `inventory`, for the message
 * @returns its text
 * @throws {LockstepError} `PLAYBOOK_UNREADABLE` naming the file and the reason
 */
export async function readDocumentFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new LockstepError(ErrorCodes.PLAYBOOK_UNREADABLE, `cannot read ${what} ${file}: ${reason}`, { cause: error });
  }
}

/**
 * Parses YAML text and checks it is a mapping; YAML syntax errors throw at once (the rest of the
 * checks would only repeat them).
 *
 * @param text the YAML
 * @param file its name, for problems
 * @param what `a playbook: a mapping with nodes: and phases:` or similar, for the message
 * @returns the source and its data
 * @throws {PlaybookError} with every syntax error
 */
export async function parseDocumentText(text: string, file: string, what: string): Promise<{ source: YamlSource; data: Record<string, unknown> }> {
  const source = await parseYamlSource(text, file);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) throw new PlaybookError(syntax);
  const data = source.toJS();
  if (!isPlainObject(data)) throw new PlaybookError([source.problemAt([], `expected ${what}, got ${describeValue(data)}`)]);
  return { source, data };
}

/**
 * Validates data against a schema (through the one JSON Schema converter) and locates each
 * failure in the YAML source.
 *
 * @param source the parsed file
 * @param data its data
 * @param schema the schema
 * @param refs checks to use for `$ref`s (the step check)
 * @returns the problems, in file order
 */
export function validateDocument(source: YamlSource, data: unknown, schema: JsonSchema, refs: Record<string, Check> = {}): PlaybookProblem[] {
  const state: LocatedValidationState = { errors: [], problems: [] };
  jsonSchemaToTypanion(schema, { refs })(data, state);
  return (state.problems ?? []).map((problem) => source.problemAt(problem.path, problem.message, problem.at));
}

/**
 * Sorts problems by position and drops exact repeats.
 *
 * @param problems problems from every check
 * @returns them in file order
 */
export function sortProblems(problems: readonly PlaybookProblem[]): PlaybookProblem[] {
  const seen = new Set<string>();
  return [...problems]
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col)
    .filter((problem) => {
      const key = `${problem.file}:${problem.line}:${problem.col}:${problem.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
