import { describe, expect, it } from 'vitest';
import type { NodeSpec } from '../../src/playbook/model.js';
import { createTemplateScope } from '../../src/playbook/template-scope.js';
import { isWholeTemplate, renderTemplates, type TemplateScope } from '../../src/playbook/templates.js';

const scope: TemplateScope = {
  node: { name: 'web1', host: '10.0.0.11', port: 2222, labels: { role: 'primary' } },
  vars: {
    app: '/srv/app',
    port: 8080,
    debug: false,
    tags: ['a', 'b'],
    db: { host: 'db1', port: 5432 },
    release: '${{ vars.app }}/releases/${{ env.TAG }}',
    nested: '${{ vars.release }}',
    empty: '',
  },
  env: { TAG: 'v1', HOME: '/home/me' },
};

describe('renderTemplates', () => {
  it('keeps the type of a value that is exactly one template', () => {
    expect(renderTemplates({ port: '${{ vars.port }}', debug: '${{ vars.debug }}', tags: '${{ vars.tags }}', db: '${{ vars.db }}' }, scope)).toEqual({
      port: 8080,
      debug: false,
      tags: ['a', 'b'],
      db: { host: 'db1', port: 5432 },
    });
    expect(renderTemplates('${{ node.port }}', scope)).toBe(2222);
  });

  it('interpolates templates inside longer strings, in lists and mappings', () => {
    const input = { dest: '${{ vars.app }}/${{ node.name }}', list: ['port=${{ vars.port }}', 'host ${{ node.host }}', 7, null], url: 'pg://${{ vars.db.host }}:${{ vars.db.port }}' };
    expect(renderTemplates(input, scope)).toEqual({ dest: '/srv/app/web1', list: ['port=8080', 'host 10.0.0.11', 7, null], url: 'pg://db1:5432' });
    // The input is not modified.
    expect(input.dest).toBe('${{ vars.app }}/${{ node.name }}');
  });

  it('renders mappings and lists inside strings as JSON, and nothing for null', () => {
    expect(renderTemplates('tags=${{ vars.tags }} db=${{ vars.db }}', scope)).toBe('tags=["a","b"] db={"host":"db1","port":5432}');
    expect(renderTemplates('[${{ vars.empty }}]', scope)).toBe('[]');
  });

  it('renders vars that contain templates, recursively', () => {
    expect(renderTemplates('${{ vars.nested }}', scope)).toBe('/srv/app/releases/v1');
  });

  it('uses the default after || when the value is unset or empty', () => {
    expect(renderTemplates("${{ env.NOPE || 'fallback' }}", scope)).toBe('fallback');
    expect(renderTemplates("${{ vars.empty || 'x' }}", scope)).toBe('x');
    expect(renderTemplates("${{ env.TAG || 'x' }}", scope)).toBe('v1');
    expect(renderTemplates('${{ env.NOPE || vars.port }}', scope)).toBe(8080);
    expect(renderTemplates('${{ env.NOPE || 3 }}', scope)).toBe(3);
  });

  it('reads node labels and leaves strings without templates alone', () => {
    expect(renderTemplates('role=${{ node.labels.role }}', scope)).toBe('role=primary');
    expect(renderTemplates('echo $HOME ${not} {{ x }}', scope)).toBe('echo $HOME ${not} {{ x }}');
  });

  it('fails with LS1004 naming what is missing', () => {
    expect(() => renderTemplates('${{ vars.nope }}', scope)).toThrow(
      expect.objectContaining({ code: 'LS1004', message: '${{ vars.nope }}: vars.nope is not defined (defined vars: app, port, debug, tags, db, release, nested, empty)' }),
    );
    expect(() => renderTemplates('x ${{ env.UNSET }}', scope)).toThrow(
      expect.objectContaining({ code: 'LS1004', message: "${{ env.UNSET }}: environment variable UNSET is not set; give a default with env.UNSET || 'value'" }),
    );
    expect(() => renderTemplates('${{ node.labels.zone }}', scope)).toThrow(expect.objectContaining({ message: '${{ node.labels.zone }}: node.labels.zone has no value on node web1' }));
  });

  it('detects vars that refer to each other in a cycle', () => {
    const cyclic = { ...scope, vars: { a: '${{ vars.b }}', b: 'x${{ vars.a }}' } };
    expect(() => renderTemplates('${{ vars.a }}', cyclic)).toThrow('vars refer to each other in a cycle: vars.a -> vars.b -> vars.a');
  });
});

describe('isWholeTemplate', () => {
  it('tells a single template from strings that contain one', () => {
    expect(isWholeTemplate('${{ vars.port }}')).toBe(true);
    expect(isWholeTemplate("${{ env.X || 'd' }}")).toBe(true);
    expect(isWholeTemplate(' ${{ vars.port }}')).toBe(false);
    expect(isWholeTemplate('${{ vars.a }}${{ vars.b }}')).toBe(false);
    expect(isWholeTemplate(42)).toBe(false);
  });
});

describe('createTemplateScope', () => {
  it('merges playbook vars with the node\'s and exposes node fields', () => {
    const node: NodeSpec = {
      name: 'web2',
      connection: 'ssh',
      host: '10.0.0.12',
      port: 2222,
      labels: { role: 'replica' },
      vars: { port: 9090 },
      ssh: { user: 'deploy', strictHostKeyChecking: 'yes', connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000 },
    };
    const nodeScope = createTemplateScope({ vars: { app: '/srv', port: 8080 } }, node, { A: '1' });
    expect(renderTemplates('${{ node.name }}@${{ node.host }}:${{ node.port }} ${{ node.user }} ${{ vars.app }} ${{ vars.port }} ${{ env.A }}', nodeScope)).toBe(
      'web2@10.0.0.12:2222 deploy /srv 9090 1',
    );
  });
});
