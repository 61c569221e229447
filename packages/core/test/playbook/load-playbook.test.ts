import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isLockstepError } from '../../src/errors/lockstep-error.js';
import { PlaybookError } from '../../src/errors/playbook-error.js';
import { loadPlaybook, parsePlaybookText } from '../../src/playbook/load-playbook.js';
import { loadOptions, testCatalog } from './test-catalog.js';

const fixtures = fileURLToPath(new URL('../fixtures/playbooks/', import.meta.url));
const fixture = (name: string): string => path.join(fixtures, name);

/** Loads and returns the PlaybookError, failing the test if loading succeeds. */
async function problemsOf(load: Promise<unknown>): Promise<PlaybookError> {
  const error = await load.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlaybookError);
  return error as PlaybookError;
}

/** Parses inline YAML named `inline.yml` in the fixtures directory. */
const parse = (text: string, env?: Record<string, string | undefined>) => parsePlaybookText(text, fixture('inline.yml'), loadOptions(env));

describe('loadPlaybook on a valid playbook', () => {
  it('normalizes nodes: defaults merged, hosts, ports, ssh options, paths', async () => {
    const playbook = await loadPlaybook(fixture('valid.yml'), loadOptions());
    expect(playbook.name).toBe('rolling restart');
    expect(playbook.dir).toBe(path.resolve(fixtures));
    expect(playbook.nodes.map((n) => [n.name, n.connection, n.host, n.port])).toEqual([
      ['web1', 'ssh', '10.0.0.11', undefined],
      ['web2', 'ssh', '10.0.0.12', 2222],
      ['db1', 'ssh', 'db1', undefined],
      ['ci', 'local', 'localhost', undefined],
    ]);
    const [web1, web2, db1, ci] = playbook.nodes;
    expect(web1!.ssh).toEqual({
      user: 'deploy',
      identityFile: path.join(homedir(), '.ssh/id_ed25519'),
      strictHostKeyChecking: 'yes',
      connectTimeoutMs: 5000,
      keepaliveIntervalMs: 15_000,
    });
    expect(db1!.ssh.user).toBe('postgres');
    expect(db1!.ssh.strictHostKeyChecking).toBe('accept-new');
    expect(db1!.ssh.keepaliveIntervalMs).toBe(30_000);
    expect(web2!.labels).toEqual({ role: 'replica' });
    expect(web2!.vars).toEqual({ port: 9090 });
    expect(ci!.workdir).toBe(path.join(fixtures, '.lockstep/nodes/ci'));
    expect(web1!.loc).toMatchObject({ file: fixture('valid.yml'), line: 9, col: 3, path: 'nodes.web1' });
  });

  it('resolves groups and `on` to node names in playbook order', async () => {
    const playbook = await loadPlaybook(fixture('valid.yml'), loadOptions());
    expect(playbook.groups).toEqual({ web: ['web1', 'web2'], primaries: ['web1'] });
    expect(playbook.phases.map((p) => p.on)).toEqual([
      ['web1', 'web2'],
      ['web1', 'web2', 'db1'],
      ['web1', 'web2', 'db1', 'ci'],
    ]);
  });

  it('normalizes phases and steps: durations in ms, common fields, args kept unrendered', async () => {
    const playbook = await loadPlaybook(fixture('valid.yml'), loadOptions());
    const [upload, restart, last] = playbook.phases;
    expect(upload).toMatchObject({ name: 'upload', strategy: 'linear' });
    expect(upload?.maxFailPercentage).toBeUndefined();
    expect(upload!.steps[0]).toMatchObject({ type: 'ssh-tar-upload', args: { src: './dist', dest: '${{ vars.app }}' }, retries: 0, ignoreErrors: false, env: {} });
    expect(restart).toMatchObject({ strategy: 'free', serial: '30%', maxFailPercentage: 50, timeoutMs: 120_000 });
    expect(restart!.steps.map((s) => s.type)).toEqual(['semaphore', 'run', 'semaphore', 'barrier']);
    expect(restart!.steps[1]).toEqual({
      type: 'run',
      args: 'systemctl restart app --port ${{ vars.port }}',
      name: 'restart ${{ node.name }}',
      timeoutMs: 90_000,
      retries: 2,
      ignoreErrors: true,
      env: { PORT: '${{ vars.port }}', LEVEL: '3' },
      when: "node.labels.role == 'primary' || env.FORCE",
      loc: { file: fixture('valid.yml'), line: 32, col: 9, path: 'phases[1].steps[1]' },
    });
    expect(last!.name).toBe('phase 3');
    expect(last!.steps[0]!.args).toEqual({ command: "echo ${{ env.DEPLOY_TOKEN || 'none' }}", cwd: '/tmp' });
    expect(playbook.coordinator).toEqual({ backend: 'memory' });
  });

  it('applies --vars over playbook vars and over node vars that set the same key', async () => {
    const playbook = await loadPlaybook(fixture('valid.yml'), loadOptions(undefined, { port: '7000', extra: 'x' }));
    expect(playbook.vars).toMatchObject({ app: '/srv/app', port: '7000', extra: 'x' });
    expect(playbook.nodes[1]!.vars).toEqual({ port: '7000' });
  });

  it('passes the playbook\'s plugin directories, absolute, to the catalog', async () => {
    const seen: string[][] = [];
    const text = 'plugins: [./plugins/local-plugin]\nnodes: { a: { connection: local } }\nphases: [{ steps: [{ run: "true" }] }]\n';
    const playbook = await parsePlaybookText(text, fixture('inline.yml'), {
      catalog: async (dirs) => {
        seen.push(dirs);
        return testCatalog;
      },
    });
    expect(seen).toEqual([[path.join(fixtures, 'plugins/local-plugin')]]);
    expect(playbook.plugins).toEqual([path.join(fixtures, 'plugins/local-plugin')]);
  });
});

describe('loadPlaybook errors', () => {
  it('reports bad YAML with the position of the unclosed bracket', async () => {
    const file = fixture('bad-yaml.yml');
    const error = await problemsOf(loadPlaybook(file, loadOptions()));
    expect(error.code).toBe('LS1001');
    expect(error.problems).toEqual([
      {
        file,
        line: 3,
        col: 9,
        message: 'invalid YAML: this flow mapping is not closed: expected "}" before line 4',
        sourceLine: '  web1: { host: 10.0.0.11',
      },
    ]);
    expect(error.message).toBe(
      `playbook has 1 problem:\n${file}:3:9: invalid YAML: this flow mapping is not closed: expected "}" before line 4\n` +
        `  3 |   web1: { host: 10.0.0.11\n` +
        `              ^`,
    );
  });

  it('reports an unknown key, an unknown step type, a wrong type and an undefined variable at once', async () => {
    const file = fixture('mistakes.yml');
    const error = await problemsOf(loadPlaybook(file, loadOptions()));
    expect(error.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`)).toEqual([
      `${file}:10:5: unknown key "stratgy" in phase; did you mean "strategy"? Allowed keys: name, on, strategy, serial, max-fail-percentage, timeout, steps`,
      `${file}:12:9: unknown step type "barier"; did you mean "barrier"? Known step types: run, barrier, semaphore, ssh-tar-upload; ` +
        'installed plugins: @lockstep/plugin-run, @lockstep/plugin-barrier, @lockstep/plugin-semaphore, @lockstep/plugin-ssh-tar',
      `${file}:14:18: expected an integer, got "many"`,
      `${file}:15:25: undefined variable "vars.nope". Defined vars: app`,
    ]);
    expect(error.problems.map((p) => p.path)).toEqual(['phases[0].stratgy', 'phases[0].steps[0].barier', 'phases[0].steps[1].retries', 'phases[0].steps[2].run']);
    expect(error.problems[3]!.sourceLine).toBe('      - run: "cp -r ${{ vars.nope }} /tmp"');
    // The caret sits under `vars.nope`, inside the template.
    expect(error.message).toContain('  15 |       - run: "cp -r ${{ vars.nope }} /tmp"\n                               ^');
    expect(error.line).toBe(10);
    expect(isLockstepError(error)).toBe(true);
  });

  it('reports a step with two type keys', async () => {
    const error = await problemsOf(parse('nodes: { a: {} }\nphases:\n  - steps:\n      - run: echo\n        barrier: { name: x }\n'));
    expect(error.problems).toMatchObject([
      { line: 5, col: 9, path: 'phases[0].steps[0].barrier', message: 'a step has exactly one type key, found "run" and "barrier"; write one step for each' },
    ]);
  });

  it('reports a step with no type, and a step that is not a mapping', async () => {
    const error = await problemsOf(parse('nodes: { a: {} }\nphases:\n  - steps:\n      - name: nothing\n      - echo hi\n'));
    expect(error.problems.map((p) => [p.line, p.col, p.message])).toEqual([
      [4, 9, 'step has no type: expected one key naming the step type (run, barrier, semaphore, ssh-tar-upload) besides name, timeout, retries, ignore-errors, env, when'],
      [5, 9, 'expected a step: a mapping with one key naming its type (such as "run: …"), got "echo hi"'],
    ]);
  });

  it('reports bad durations in the core schema and in step arguments', async () => {
    const error = await problemsOf(
      parse('defaults: { ssh: { connectTimeout: 10 sec } }\nnodes: { a: {} }\nphases:\n  - timeout: soon\n    steps:\n      - barrier: { name: b, timeout: 5 minutes }\n'),
    );
    expect(error.problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([
      '1:36: expected a duration like 500ms, 3s, 2m or a number of seconds, got "10 sec"',
      '4:14: expected a duration like 500ms, 3s, 2m or a number of seconds, got "soon"',
      '6:38: expected a duration like 500ms, 3s, 2m or a number of seconds, got "5 minutes"',
    ]);
  });

  it('reports unknown nodes and groups in `on` and `groups`', async () => {
    const error = await problemsOf(
      parse('nodes: { web1: {}, web2: {} }\ngroups:\n  web: [web1, wbe2]\nphases:\n  - on: [web, dbs]\n    steps: [{ run: "true" }]\n  - on: wbe\n    steps: [{ run: "true" }]\n'),
    );
    expect(error.problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([
      '3:15: unknown node "wbe2" in group "web"; did you mean "web2"? Nodes: web1, web2',
      '5:15: unknown node or group "dbs". Nodes: web1, web2; groups: web; or all',
      '7:9: unknown node or group "wbe"; did you mean "web"? Nodes: web1, web2; groups: web; or all',
    ]);
  });

  it('reports wrong types with what was expected and what was found', async () => {
    const error = await problemsOf(
      parse(
        'name: 42\nnodes:\n  a: { port: "22", labels: [x], connection: sssh }\nphases:\n  - serial: 0\n    max-fail-percentage: 150\n    strategy: fre\n    steps: { run: x }\n',
      ),
    );
    expect(error.problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([
      '1:7: expected a string, got 42',
      '3:14: expected an integer, got "22"',
      '3:28: expected a mapping, got a list',
      '3:45: expected one of "ssh", "local", got "sssh"; did you mean "ssh"?',
      '5:13: expected an integer >= 1, got 0',
      '6:26: expected a number between 0 and 100, got 150',
      '7:15: expected one of "linear", "free", got "fre"; did you mean "free"?',
      '8:12: expected a list, got a mapping',
    ]);
  });

  it('reports step argument errors from the step type\'s own schema', async () => {
    const error = await problemsOf(parse('nodes: { a: {} }\nphases:\n  - steps:\n      - semaphore: { name: s, delta: one, colour: red }\n      - run: { cmd: ls }\n      - run: 42\n'));
    expect(error.problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([
      '4:38: expected an integer, got "one"',
      '4:43: unknown key "colour". Allowed keys: name, delta, initial',
      '5:14: missing required key "command"',
      '5:16: unknown key "cmd"; did you mean "cwd"? Allowed keys: command, shell, cwd',
      '6:14: expected a string or a mapping, got 42',
    ]);
  });

  it('reports unset environment variables unless they have a default', async () => {
    const error = await problemsOf(
      parse('nodes: { a: {} }\nphases:\n  - steps:\n      - run: "echo ${{ env.TOKEN }} ${{ env.OTHER || \'d\' }}"\n        when: env.MAYBE\n', {}),
    );
    expect(error.problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([
      "4:24: environment variable TOKEN is not set (env.TOKEN); set it, or give a default: ${{ env.TOKEN || 'value' }}",
    ]);
  });

  it('reports unknown node fields, missing labels and vars missing on some nodes', async () => {
    const error = await problemsOf(
      parse(
        'nodes:\n  a: { labels: { role: db }, vars: { region: eu } }\n  b: {}\nphases:\n  - steps:\n      - run: "${{ node.hots }} ${{ node.labels.role }} ${{ vars.region }}"\n',
      ),
    );
    expect(error.problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([
      '6:19: unknown node field "node.hots"; did you mean "node.host"? Node fields: name, host, port, connection, user, labels, workdir',
      '6:36: label "role" (node.labels.role) is not set on node b',
      '6:60: undefined variable "vars.region" on node b. Defined vars: none',
    ]);
  });

  it('reports template syntax errors and templates where they are not expanded', async () => {
    const error = await problemsOf(parse('nodes:\n  a: { host: "${{ env.HOST }}" }\nphases:\n  - steps:\n      - run: "${{ vars.x = 1 }}"\n        when: vars.a ==\n'));
    expect(error.problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([
      '2:15: templates are not expanded here: ${{ }} works in vars, step arguments, step env and step names',
      '5:26: invalid template: unexpected "=": compare with "=="',
      '6:24: invalid when expression: expected a value (a path like vars.name, a \'string\', a number, true or false), found the end',
    ]);
  });

  it('reports a missing plugin directory at its entry', async () => {
    const error = await problemsOf(parse('plugins:\n  - ./no-such-plugin\nnodes: { a: {} }\nphases: []\n'));
    expect(error.problems).toMatchObject([{ line: 2, col: 5, message: `plugin directory "./no-such-plugin" not found (looked for ${fixture('no-such-plugin')})` }]);
  });

  it('reports a document that is not a mapping, and missing required sections', async () => {
    expect((await problemsOf(parse('- a\n- b\n'))).problems).toMatchObject([{ line: 1, col: 1, message: 'expected a playbook: a mapping with nodes: and phases:, got a list' }]);
    expect((await problemsOf(parse('name: x\n'))).problems.map((p) => p.message)).toEqual([
      'missing required key "nodes" in playbook',
      'missing required key "phases" in playbook',
    ]);
  });

  it('fails with LS1002 when the file cannot be read', async () => {
    await expect(loadPlaybook(fixture('missing.yml'), loadOptions())).rejects.toMatchObject({
      code: 'LS1002',
      message: `cannot read playbook ${fixture('missing.yml')}: no such file`,
    });
  });
});

describe('loadPlaybook vars', () => {
  it('reports vars that refer to each other in a cycle', async () => {
    const error = await problemsOf(parse('vars:\n  a: "${{ vars.b }}"\n  b: "x-${{ vars.a }}"\n  c: "${{ vars.a }}"\nnodes: { n: {} }\nphases: []\n'));
    expect(error.problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual(['2:3: vars refer to each other in a cycle: vars.a -> vars.b -> vars.a']);
  });

  it('accepts vars defined on every node of a phase, or guarded by a default', async () => {
    const playbook = await parse(
      'nodes:\n  a: { vars: { zone: x } }\n  b: { vars: { zone: y } }\n  c: {}\nphases:\n  - on: [a, b]\n    steps: [{ run: "echo ${{ vars.zone }}" }]\n  - steps: [{ run: "echo ${{ vars.zone || \'none\' }}" }]\n',
    );
    expect(playbook.phases[0]!.on).toEqual(['a', 'b']);
  });
});

describe('loadPlaybook YAML problems', () => {
  it('reports every syntax error and duplicate keys with positions', async () => {
    const error = await problemsOf(parse('nodes:\n  a: {}\n  a: {}\nphases:\n  - steps: [ { run: x }\n'));
    expect(error.problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([
      '3:3: invalid YAML: map keys must be unique',
      '5:12: invalid YAML: this flow sequence is not closed: expected "]" before line 6',
    ]);
  });

  it('reports a plugin whose step schema is broken at the step, instead of crashing', async () => {
    const catalog = {
      steps: new Map([['odd', { plugin: 'odd-plugin', contribution: { type: 'odd', description: 'odd', schema: { $ref: '#/$defs/missing' } } }]]),
      plugins: ['odd-plugin'],
    };
    const error = await problemsOf(parsePlaybookText('nodes: { a: {} }\nphases: [{ steps: [{ odd: 1 }] }]\n', fixture('inline.yml'), { catalog: async () => catalog }));
    expect(error.problems[0]!.message).toBe(
      'cannot check the arguments of step type "odd": plugin odd-plugin declares an invalid schema (schema $ref #/$defs/missing does not name a definition)',
    );
  });
});

describe('a loaded playbook rendered per node', () => {
  it('renders step arguments, env and names for each node of the phase, keeping types', async () => {
    const { createTemplateScope } = await import('../../src/playbook/template-scope.js');
    const { renderTemplates, renderTemplateString } = await import('../../src/playbook/templates.js');
    const { evaluateWhen } = await import('../../src/playbook/when.js');
    const env = { DEPLOY_TOKEN: 's3cret' };
    const playbook = await loadPlaybook(fixture('valid.yml'), loadOptions(env));
    const phase = playbook.phases[1]!;
    const [, run, , barrier] = phase.steps;
    const rendered = phase.on.map((name) => {
      const node = playbook.nodes.find((n) => n.name === name)!;
      const scope = createTemplateScope(playbook, node, env);
      return {
        node: name,
        name: renderTemplateString(run!.name!, scope),
        args: renderTemplates(run!.args, scope),
        // String fields render to strings even when the value is one template.
        env: Object.fromEntries(Object.entries(run!.env).map(([k, v]) => [k, renderTemplateString(v, scope)])),
        runs: evaluateWhen(run!.when!, scope),
        count: renderTemplates(barrier!.args, scope),
      };
    });
    expect(rendered).toEqual([
      { node: 'web1', name: 'restart web1', args: 'systemctl restart app --port 8080', env: { PORT: '8080', LEVEL: '3' }, runs: true, count: { name: 'restarted', count: 8080 } },
      { node: 'web2', name: 'restart web2', args: 'systemctl restart app --port 9090', env: { PORT: '9090', LEVEL: '3' }, runs: false, count: { name: 'restarted', count: 9090 } },
      { node: 'db1', name: 'restart db1', args: 'systemctl restart app --port 8080', env: { PORT: '8080', LEVEL: '3' }, runs: false, count: { name: 'restarted', count: 8080 } },
    ]);
    const release = renderTemplates('${{ vars.release }}', createTemplateScope(playbook, playbook.nodes[0]!, env));
    expect(release).toBe('/srv/app/releases/s3cret');
  });
});

describe('loadPlaybook defaults', () => {
  it('merges defaults.connection, defaults.ssh, node ssh blocks and node keys in that order', async () => {
    const playbook = await parse(
      [
        'defaults:',
        '  connection: local',
        '  ssh: { port: 2200, user: a, identityFile: keys/id, agent: false, knownHostsFile: ~/kh, configFile: /etc/ssh/cfg }',
        'nodes:',
        '  l: {}',
        '  r: { connection: ssh, ssh: { user: b, port: 2300, connectTimeout: 500ms }, user: c }',
        '  s: { connection: ssh, host: s.example, port: 2400 }',
        'phases: []',
      ].join('\n'),
    );
    const [l, r, s] = playbook.nodes;
    expect(l).toMatchObject({ connection: 'local', host: 'localhost', workdir: path.join(fixtures, '.lockstep/nodes/l') });
    expect(l!.port).toBeUndefined();
    expect(r).toMatchObject({ connection: 'ssh', host: 'r', port: 2300 });
    expect(r!.ssh).toEqual({
      user: 'c',
      identityFile: path.join(fixtures, 'keys/id'),
      agent: false,
      strictHostKeyChecking: 'yes',
      knownHostsFile: path.join(homedir(), 'kh'),
      configFile: '/etc/ssh/cfg',
      connectTimeoutMs: 500,
      keepaliveIntervalMs: 15_000,
    });
    expect(s).toMatchObject({ host: 's.example', port: 2400 });
  });
});

describe('loadPlaybook `on`', () => {
  it('accepts all, globs and label-selected groups', async () => {
    const playbook = await parse(
      'nodes: { web1: { labels: { r: a } }, web2: {}, db1: { labels: { r: a } } }\ngroups: { tagged: { labels: { r: a } } }\nphases:\n' +
        '  - { on: all, steps: [] }\n  - { on: "web*", steps: [] }\n  - { on: [tagged, web2], steps: [] }\n',
    );
    expect(playbook.phases.map((p) => p.on)).toEqual([['web1', 'web2', 'db1'], ['web1', 'web2'], ['web1', 'web2', 'db1']]);
  });
});
