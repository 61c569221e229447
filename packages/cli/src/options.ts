import { Option } from 'clipanion';
import * as t from 'typanion';

/**
 * Options shared by several commands, declared once so their names, validators and help text
 * agree everywhere.
 */

/**
 * `--forks N`: how many nodes work at once (Ansible's `-f`); an integer of at least 1.
 *
 * @returns the option, undefined when not given
 */
export function forksOption() {
  return Option.String('--forks,-f', {
    description: 'how many nodes to work on at once (default 10)',
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]),
  });
}

/**
 * `--json`: NDJSON output.
 *
 * @param description the help text, to say what the command prints
 * @returns the option, false when not given
 */
export function jsonOption(description = 'print one JSON object per line instead of text') {
  return Option.Boolean('--json', false, { description });
}

/**
 * `--vars k=v` (`-e`), repeatable; each value must start with `name=`.
 *
 * @returns the option, an empty list when not given
 */
export function varsOption() {
  return Option.Array('--vars,-e', [], {
    description: 'set a playbook var, overriding the playbook (repeatable: --vars a=1 --vars b=2)',
    validator: t.isArray(t.cascade(t.isString(), [t.matchesRegExp(/^[A-Za-z_][\w.-]*=/)])),
  });
}

/**
 * Turns validated `k=v` words into a record; the first `=` splits, so values may hold `=`.
 *
 * @param words words that matched `name=value`
 * @returns the vars
 */
export function varsFromWords(words: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const word of words) {
    const at = word.indexOf('=');
    vars[word.slice(0, at)] = word.slice(at + 1);
  }
  return vars;
}

/**
 * Splits a comma-separated list (`--limit a,b`, `--nodes web*,db1`), dropping blanks.
 *
 * @param text the option's value
 * @returns the items
 */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Validator of a comma-separated list of at least one non-blank item. */
export const isList = t.cascade(t.isString(), [t.matchesRegExp(/^\s*[^,\s][^,]*(,\s*[^,\s][^,]*)*\s*,?\s*$/)]);
