import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../core/src/errors/codes.js';

const doc = new URL('../../../docs/errors.md', import.meta.url);

describe('docs/errors.md', () => {
  it('has a "## LSxxxx" section for every error code', async () => {
    const text = await readFile(doc, 'utf8');
    const sections = new Set([...text.matchAll(/^## (LS\d{4})\s*$/gm)].map((m) => m[1]));
    const missing = Object.entries(ErrorCodes)
      .filter(([, code]) => !sections.has(code))
      .map(([name, code]) => `${code} (${name})`);
    expect(missing).toEqual([]);
  });

  it('documents no code twice and no code that does not exist', async () => {
    const text = await readFile(doc, 'utf8');
    const headings = [...text.matchAll(/^## (LS\d{4})\s*$/gm)].map((m) => m[1]!);
    expect(headings.filter((code, i) => headings.indexOf(code) !== i)).toEqual([]);
    const known = new Set<string>(Object.values(ErrorCodes));
    expect(headings.filter((code) => !known.has(code))).toEqual([]);
  });
});
