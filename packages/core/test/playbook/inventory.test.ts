import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadInventory, parseInventoryText } from '../../src/playbook/inventory.js';
import { loadPlaybook } from '../../src/playbook/load-playbook.js';
import { selectNodes } from '../../src/playbook/select-nodes.js';
import { loadOptions } from './test-catalog.js';

const fixtures = fileURLToPath(new URL('../fixtures/playbooks/', import.meta.url));

describe('loadInventory', () => {
  it('reads nodes, groups and defaults as a playbook does', async () => {
    const inventory = await loadInventory(path.join(fixtures, 'inventory.yml'));
    expect(inventory.nodes.map((n) => [n.name, n.connection, n.host, n.port, n.ssh.user])).toEqual([
      ['web1', 'ssh', '10.0.0.11', undefined, 'ops'],
      ['web2', 'ssh', '10.0.0.12', 2200, 'ops'],
      ['runner', 'local', 'localhost', undefined, 'ops'],
    ]);
    expect(inventory.groups).toEqual({ web: ['web1', 'web2'], fast: ['web2'] });
  });

  it('reports playbook-only keys and mistakes with positions', async () => {
    await expect(parseInventoryText('nodes:\n  a: { hots: x }\nphases: []\ngroups: { g: [b] }\n', 'inv.yml')).rejects.toThrow(
      expect.objectContaining({
        code: 'LS1001',
        problems: [
          expect.objectContaining({ line: 2, col: 8, message: 'unknown key "hots" in node; did you mean "host"? Allowed keys: connection, host, port, user, identityFile, labels, vars, workdir, ssh' }),
          expect.objectContaining({ line: 3, col: 1, message: 'unknown key "phases" in inventory. Allowed keys: defaults, nodes, groups' }),
          expect.objectContaining({ line: 4, col: 15, message: 'unknown node "b" in group "g". Nodes: a' }),
        ],
      }),
    );
  });
});

describe('selectNodes', () => {
  it('resolves node names, group names, all and comma lists, in file order without repeats', async () => {
    const inventory = await loadInventory(path.join(fixtures, 'inventory.yml'));
    const names = (patterns: string[]) => selectNodes(inventory, patterns).map((n) => n.name);
    expect(names(['all'])).toEqual(['web1', 'web2', 'runner']);
    expect(names(['runner', 'web'])).toEqual(['web1', 'web2', 'runner']);
    expect(names(['fast,runner', 'web2'])).toEqual(['web2', 'runner']);
    expect(names([])).toEqual([]);
  });

  it('works on a playbook too', async () => {
    const playbook = await loadPlaybook(path.join(fixtures, 'valid.yml'), loadOptions());
    expect(selectNodes(playbook, ['primaries', 'ci']).map((n) => n.name)).toEqual(['web1', 'ci']);
  });

  it('names unknown patterns, the closest name and every known node and group', async () => {
    const inventory = await loadInventory(path.join(fixtures, 'inventory.yml'));
    expect(() => selectNodes(inventory, ['wbe', 'db'])).toThrow(
      expect.objectContaining({
        code: 'LS1005',
        message:
          'unknown node or group "wbe"; did you mean "web"? Nodes: web1, web2, runner; groups: web, fast; or all\n' +
          'unknown node or group "db". Nodes: web1, web2, runner; groups: web, fast; or all',
      }),
    );
  });
});

describe('selectNodes globs', () => {
  it('matches node and group names with * and ?', async () => {
    const inventory = await loadInventory(path.join(fixtures, 'inventory.yml'));
    expect(selectNodes(inventory, ['web*']).map((n) => n.name)).toEqual(['web1', 'web2']);
    expect(selectNodes(inventory, ['f*', 'run?er']).map((n) => n.name)).toEqual(['web2', 'runner']);
    expect(() => selectNodes(inventory, ['db*'])).toThrow('no node or group matches "db*". Nodes: web1, web2, runner; groups: web, fast; or all');
  });
});
