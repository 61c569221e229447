import { ErrorCodes } from './codes.js';
import { LockstepError } from './lockstep-error.js';

/** Where in a playbook file something is. Lines and columns are 1-based. */
export interface SourceLocation {
  /** Path of the file, as given by the user (relative paths stay relative, for readable errors). */
  file: string;
  line: number;
  col: number;
  /** Path inside the YAML document, such as `phases[1].steps[0].run`. */
  path?: string;
}

/** One problem in a playbook: where, what was expected, and the source line for context. */
export interface PlaybookProblem extends SourceLocation {
  /** What is wrong and what was expected, e.g. `expected a string, got 42`. */
  message: string;
  /** The offending source line, without its newline, for quoting. */
  sourceLine?: string;
}

/**
 * A playbook has one or more problems. Its message lists each as `file:line:col: message`,
 * quoting the line with a caret under the column.
 */
export class PlaybookError extends LockstepError {
  override name = 'PlaybookError';
  /** Every problem found; validation reports several at once. */
  readonly problems: readonly PlaybookProblem[];

  constructor(problems: readonly PlaybookProblem[], options: { cause?: unknown } = {}) {
    super(ErrorCodes.PLAYBOOK_INVALID, formatProblems(problems), options);
    this.problems = problems;
  }

  /** The first problem's file. */
  get file(): string | undefined {
    return this.problems[0]?.file;
  }
  /** The first problem's line (1-based). */
  get line(): number | undefined {
    return this.problems[0]?.line;
  }
  /** The first problem's column (1-based). */
  get col(): number | undefined {
    return this.problems[0]?.col;
  }
}

/** Formats problems as `file:line:col: message`, each followed by the quoted line and a caret. */
export function formatProblems(problems: readonly PlaybookProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const body = problems.map((p) => {
    const head = `${p.file}:${p.line}:${p.col}: ${p.message}`;
    if (p.sourceLine === undefined) return head;
    const gutter = `${p.line} | `;
    const caret = ' '.repeat(gutter.length + Math.max(0, p.col - 1)) + '^';
    return `${head}\n  ${gutter}${p.sourceLine}\n  ${caret}`;
  });
  return `playbook has ${count}:\n${body.join('\n')}`;
}
