import { stat } from 'node:fs/promises';
import path from 'node:path';
import { PlaybookError, type PlaybookProblem } from '../errors/playbook-error.js';
import { checkTemplates } from './check-templates.js';
import { readRawNodes, resolveGroups, resolvePhaseTargets } from './check-references.js';
import type { Playbook } from './model.js';
import { normalizeNodes, normalizePhases } from './normalize.js';
import { playbookSchema } from './playbook-schema.js';
import type { StepCatalog } from './step-catalog.js';
import { buildStepCheck } from './step-check.js';
import { parseDocumentText, readDocumentFile, sortProblems, validateDocument } from './validate-document.js';

export type { StepCatalog } from './step-catalog.js';

/** How to load a playbook. */
export interface LoadPlaybookOptions {
  /** Called with the absolute plugin dirs the playbook lists; returns every step type known. */
  catalog: (pluginDirs: string[]) => Promise<StepCatalog>;
  /** `--vars k=v` overrides, merged over the playbook's vars. */
  vars?: Record<string, string>;
  /** Environment for `${{ env.X }}` (default process.env). */
  env?: Record<string, string | undefined>;
  /** Directory a relative `file` is read from (default process.cwd()); messages keep `file` as given. */
  cwd?: string;
}

/**
 * Reads, validates and normalizes a playbook file. Every problem is collected (YAML syntax
 * first; when the YAML parses, schema, step types, node references and templates together) and
 * thrown as one {@link PlaybookError}, each problem with `file:line:col`, its YAML path and the
 * quoted source line.
 *
 * @param file the playbook path, as the user gave it (kept in messages)
 * @param options the step catalog, `--vars` and the environment
 * @returns the normalized playbook
 * @throws {PlaybookError} listing every problem found
 * @throws {LockstepError} `PLAYBOOK_UNREADABLE` when the file cannot be read
 * @example
 * const playbook = await loadPlaybook('deploy.yml', { catalog: async (dirs) => { await host.addPluginDirs(dirs); return host.catalog(); } });
 */
export async function loadPlaybook(file: string, options: LoadPlaybookOptions): Promise<Playbook> {
  return parsePlaybookText(await readDocumentFile(path.resolve(options.cwd ?? process.cwd(), file), 'playbook'), file, options);
}

/**
 * Like {@link loadPlaybook}, for text already in memory. Relative paths in the playbook resolve
 * against the directory of `file`.
 *
 * @param text the YAML
 * @param file the name to report, and whose directory relative paths resolve against
 * @param options the step catalog, `--vars` and the environment
 * @returns the normalized playbook
 * @throws {PlaybookError} listing every problem found
 */
export async function parsePlaybookText(text: string, file: string, options: LoadPlaybookOptions): Promise<Playbook> {
  const { source, data } = await parseDocumentText(text, file, 'a playbook: a mapping with nodes: and phases:');
  const dir = path.resolve(options.cwd ?? process.cwd(), path.dirname(file));
  const cliVars = options.vars ?? {};
  const env = options.env ?? process.env;
  const problems: PlaybookProblem[] = [];

  const pluginDirs: string[] = [];
  if (Array.isArray(data.plugins)) {
    for (const [index, entry] of data.plugins.entries()) {
      if (typeof entry !== 'string') continue;
      const absolute = path.resolve(dir, entry);
      if (await isDirectory(absolute)) pluginDirs.push(absolute);
      else problems.push(source.problemAt(['plugins', index], `plugin directory "${entry}" not found (looked for ${absolute})`));
    }
  }
  const catalog = await options.catalog(pluginDirs);

  problems.push(...validateDocument(source, data, playbookSchema, { '#/$defs/step': buildStepCheck(catalog) }));
  const rawNodes = readRawNodes(data);
  const groups = resolveGroups(data, rawNodes, source, problems);
  const universe = { nodes: rawNodes.map((node) => node.name), groups };
  const phaseNodes = resolvePhaseTargets(data, universe, source, problems);
  problems.push(...checkTemplates({ data, source, nodes: rawNodes, phaseNodes, cliVars, env }));
  if (problems.length > 0) throw new PlaybookError(sortProblems(problems));

  const context = { source, dir, cliVars };
  const vars = { ...(data.vars as Record<string, unknown> | undefined), ...cliVars };
  const coordinator = data.coordinator as Playbook['coordinator'] | undefined;
  return {
    file,
    dir,
    name: typeof data.name === 'string' ? data.name : path.basename(file, path.extname(file)),
    vars,
    nodes: normalizeNodes(data, context),
    groups,
    phases: normalizePhases(data, phaseNodes, context),
    plugins: pluginDirs,
    ...(coordinator ? { coordinator: { ...coordinator, backend: coordinator.backend ?? 'memory' } } : {}),
  };
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
