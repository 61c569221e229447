import path from 'node:path';
import { PlaybookError, type PlaybookProblem } from '../errors/playbook-error.js';
import { readRawNodes, resolveGroups } from './check-references.js';
import type { NodeSpec } from './model.js';
import { normalizeNodes } from './normalize.js';
import { inventorySchema } from './playbook-schema.js';
import { parseDocumentText, readDocumentFile, sortProblems, validateDocument } from './validate-document.js';

/** The nodes and groups of an inventory file (what `lockstep exec` runs commands on). */
export interface Inventory {
  /** The file as the user named it. */
  file: string;
  /** Absolute directory of the file. */
  dir: string;
  /** Nodes in file order, defaults merged as in a playbook. */
  nodes: NodeSpec[];
  /** Group name to node names. */
  groups: Record<string, string[]>;
}

/**
 * Reads an inventory: a YAML file with only `defaults:`, `nodes:` and `groups:`, written exactly
 * as in a playbook (the same schema parts validate it).
 *
 * @param file the inventory path
 * @returns the nodes and groups
 * @throws {PlaybookError} listing every problem, with positions
 * @throws {LockstepError} `PLAYBOOK_UNREADABLE` when the file cannot be read
 * @example const inventory = await loadInventory('hosts.yml'); selectNodes(inventory, ['web']);
 */
export async function loadInventory(file: string): Promise<Inventory> {
  return parseInventoryText(await readDocumentFile(file, 'inventory'), file);
}

/**
 * Like {@link loadInventory}, for text in memory.
 *
 * @param text the YAML
 * @param file the name to report; relative paths resolve against its directory
 * @returns the nodes and groups
 * @throws {PlaybookError} listing every problem
 */
export async function parseInventoryText(text: string, file: string): Promise<Inventory> {
  const { source, data } = await parseDocumentText(text, file, 'an inventory: a mapping with nodes:');
  const problems: PlaybookProblem[] = validateDocument(source, data, inventorySchema);
  const groups = resolveGroups(data, readRawNodes(data), source, problems);
  if (problems.length > 0) throw new PlaybookError(sortProblems(problems));
  const dir = path.resolve(path.dirname(file));
  return { file, dir, nodes: normalizeNodes(data, { source, dir, cliVars: {} }), groups };
}
