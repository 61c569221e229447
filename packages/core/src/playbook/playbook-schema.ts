import type { JsonSchema } from '../plugins/json-schema.js';

/*
 * The playbook's shape as JSON Schema: the single source for validation (converted to typanion
 * by schema/json-schema-to-typanion.ts) and for `lockstep schema` (playbookJsonSchema). The step
 * item is `#/$defs/step`, filled in from the installed step types.
 */

/** Matches what parseDuration accepts as a string, so editors flag bad durations too. */
const DURATION_PATTERN = '^\\s*(\\d+(\\.\\d+)?|(\\d+(\\.\\d+)?(ms|s|m|h))+)\\s*$';

function duration(description: string): JsonSchema {
  return {
    type: ['string', 'number'],
    description: `${description} A duration: 500ms, 3s, 2m, 1h, 1m30s, or a bare number of seconds.`,
    pattern: DURATION_PATTERN,
    minimum: 0,
    'x-duration': true,
  };
}

const scalar: JsonSchema = { type: ['string', 'number', 'boolean'] };

/** `ssh:` options, in `defaults.ssh` and on each node. */
export const sshOptionsSchema: JsonSchema = {
  title: 'ssh options',
  type: 'object',
  description: 'How to reach a node over SSH. Node settings override `defaults.ssh`.',
  additionalProperties: false,
  properties: {
    user: { type: 'string', description: 'Login user. Default: the ssh config entry, else the local user.' },
    identityFile: { type: 'string', description: 'Private key file; `~` expands, relative paths resolve against the playbook.' },
    port: { type: 'integer', minimum: 1, maximum: 65535, description: 'SSH port. Default 22 (or the ssh config entry).' },
    strictHostKeyChecking: {
      type: 'string',
      enum: ['yes', 'accept-new'],
      default: 'yes',
      description: '`yes` (default): unknown or changed host keys are refused. `accept-new`: unknown keys are added to known_hosts, changed ones refused.',
    },
    knownHostsFile: { type: 'string', description: 'known_hosts file. Default `~/.ssh/known_hosts`.' },
    configFile: { type: 'string', description: 'ssh config file whose Host aliases are honoured. Default `~/.ssh/config`.' },
    connectTimeout: { ...duration('How long to wait for the connection and handshake.'), default: '10s' },
    keepaliveInterval: { ...duration('Interval of SSH keepalives; 0 turns them off.'), default: '15s' },
    agent: { type: 'boolean', description: 'Use the ssh-agent at SSH_AUTH_SOCK. Default: true when SSH_AUTH_SOCK is set.' },
  },
};

const connection: JsonSchema = {
  type: 'string',
  enum: ['ssh', 'local'],
  description: '`ssh`: a remote machine over one SSH connection. `local`: processes on this machine, in the node\'s own working directory.',
};

/** `defaults:`: settings every node starts from. */
export const defaultsSchema: JsonSchema = {
  title: 'defaults',
  type: 'object',
  description: 'Settings every node starts from.',
  additionalProperties: false,
  properties: {
    connection: { ...connection, default: 'ssh', description: `Default connection of nodes. ${connection.description}` },
    ssh: sshOptionsSchema,
  },
};

/** One entry of `nodes:`. */
export const nodeSchema: JsonSchema = {
  title: 'node',
  type: ['object', 'null'],
  description: 'A node: a machine or local process the phases run on. An empty entry takes every default.',
  additionalProperties: false,
  properties: {
    connection: { ...connection, description: `${connection.description} Default: \`defaults.connection\`, else ssh.` },
    host: { type: 'string', description: 'Address or ssh config alias. Default: the node name for ssh, `localhost` for local nodes.' },
    port: { type: 'integer', minimum: 1, maximum: 65535, description: 'SSH port. Default: `ssh.port`, `defaults.ssh.port`, else 22.' },
    user: { type: 'string', description: 'SSH user; overrides `defaults.ssh.user`.' },
    identityFile: { type: 'string', description: 'Private key file; overrides `defaults.ssh.identityFile`.' },
    labels: {
      type: 'object',
      description: 'Free-form labels (`role: primary`), for group selectors and `${{ node.labels.x }}`.',
      additionalProperties: scalar,
    },
    vars: { type: 'object', description: 'Vars for this node, merged over the playbook\'s `vars`.' },
    workdir: {
      type: 'string',
      description: 'Working directory. Local nodes: default `.lockstep/nodes/<name>` under the playbook directory; ssh nodes: the login directory.',
    },
    ssh: sshOptionsSchema,
  },
};

/** One entry of `groups:`: a list of node names, or a label selector. */
export const groupSchema: JsonSchema = {
  title: 'group',
  description: 'A named set of nodes: a list of node names, or `{labels: {key: value}}` to take every node whose labels match.',
  'x-expected': 'a list of node names or a mapping {labels: {key: value}}',
  oneOf: [
    { type: 'array', items: { type: 'string' }, description: 'Node names.' },
    {
      title: 'group selector',
      type: 'object',
      additionalProperties: false,
      required: ['labels'],
      properties: { labels: { type: 'object', additionalProperties: scalar, description: 'Every node whose labels include all of these.' } },
    },
  ],
};

/** `coordinator:`: where semaphores, barriers and locks live. */
export const coordinatorSchema: JsonSchema = {
  title: 'coordinator',
  type: 'object',
  description: 'Where the run\'s semaphores, barriers and locks live. Default: in memory in the runner.',
  additionalProperties: false,
  properties: {
    backend: { type: 'string', enum: ['memory', 'etcd'], default: 'memory', description: '`memory` (default) or `etcd`, for state that survives the runner.' },
    endpoints: { type: 'array', items: { type: 'string' }, description: 'etcd endpoints, e.g. `http://127.0.0.1:2379`.' },
    prefix: { type: 'string', description: 'Key prefix in etcd. Default `/lockstep/`.' },
  },
};

/** The fields every step may have besides its type key. */
export const stepCommonProperties: Record<string, JsonSchema> = {
  name: { type: 'string', description: 'Shown in the report instead of the step type. May use `${{ }}` templates.' },
  timeout: duration('Fail the step when it runs longer than this.'),
  retries: { type: 'integer', minimum: 0, default: 0, description: 'Extra attempts after a failure.' },
  'ignore-errors': { type: 'boolean', default: false, description: 'A failure is reported but does not fail the node.' },
  env: { type: 'object', additionalProperties: scalar, description: 'Environment variables for the step. Values may use `${{ }}` templates.' },
  when: {
    type: ['string', 'boolean'],
    description: 'Run the step only when this expression is true, e.g. `node.labels.role == \'primary\'`. Operators: == != ! && || ( ).',
  },
};

const onSchema: JsonSchema = {
  description: 'Where the phase runs: `all`, a node name, a group name, or a list of them. Default: every node.',
  'x-expected': 'a node or group name, or a list of them',
  oneOf: [
    { type: 'string' },
    { type: 'array', items: { type: 'string' } },
  ],
};

/** One entry of `phases:`. */
export const phaseSchema: JsonSchema = {
  title: 'phase',
  type: 'object',
  description: 'A list of steps run on a set of nodes. Phases run in order.',
  additionalProperties: false,
  required: ['steps'],
  properties: {
    name: { type: 'string', description: 'Shown in the report. Default `phase <n>`.' },
    on: onSchema,
    strategy: {
      type: 'string',
      enum: ['linear', 'free'],
      default: 'linear',
      description: '`linear` (default): the phase ends when every node finished it. `free`: each node goes on to the next phase alone.',
    },
    serial: {
      description: 'Run the phase on this many nodes at a time (a number, or a percentage like `30%`). Default: all at once.',
      'x-expected': 'a number of nodes (1 or more) or a percentage like "30%"',
      oneOf: [
        { type: 'integer', minimum: 1 },
        { type: 'string', pattern: '^(100|[1-9]?[0-9](\\.[0-9]+)?)%$' },
      ],
    },
    'max-fail-percentage': {
      type: 'number',
      minimum: 0,
      maximum: 100,
      description:
        'Stop the run when more than this percentage of the phase\'s nodes failed. Default: no limit (as Ansible: a failed node leaves the run and the others go on; the run still exits 1).',
    },
    timeout: duration('Fail the nodes still in the phase after this long.'),
    steps: { type: 'array', items: { $ref: '#/$defs/step' }, description: 'The steps, run in order on each node.' },
  },
};

const nodesSchema: JsonSchema = {
  title: 'nodes',
  type: 'object',
  description: 'The nodes, by name, in the order phases visit them.',
  additionalProperties: nodeSchema,
};

const groupsSchema: JsonSchema = {
  title: 'groups',
  type: 'object',
  description: 'Named sets of nodes, for `on:` and `--limit`.',
  additionalProperties: groupSchema,
};

/** A fallback for `#/$defs/step` when no catalog is at hand. */
const anyStep: JsonSchema = { type: 'object', description: 'A step: one key naming its type, plus the common fields.' };

/**
 * The core playbook schema. `#/$defs/step` is a placeholder; {@link playbookJsonSchema} and the
 * validator replace it with the installed step types.
 */
export const playbookSchema: JsonSchema = {
  title: 'playbook',
  type: 'object',
  description: 'A lockstep playbook: nodes, groups and the phases to run on them.',
  additionalProperties: false,
  required: ['nodes', 'phases'],
  properties: {
    name: { type: 'string', description: 'Shown in the report. Default: the file name.' },
    vars: { type: 'object', description: 'Values for `${{ vars.x }}`. Values may use templates themselves; `--vars k=v` overrides.' },
    defaults: defaultsSchema,
    nodes: nodesSchema,
    groups: groupsSchema,
    plugins: { type: 'array', items: { type: 'string' }, description: 'Plugin directories to load, relative to the playbook.' },
    coordinator: coordinatorSchema,
    phases: { type: 'array', items: phaseSchema, description: 'The phases, run in order.' },
  },
  $defs: { step: anyStep },
};

/** An inventory for `lockstep exec`: the node parts of a playbook only. */
export const inventorySchema: JsonSchema = {
  title: 'inventory',
  type: 'object',
  description: 'A lockstep inventory: nodes and groups, for `lockstep exec`.',
  additionalProperties: false,
  required: ['nodes'],
  properties: { defaults: defaultsSchema, nodes: nodesSchema, groups: groupsSchema },
};
