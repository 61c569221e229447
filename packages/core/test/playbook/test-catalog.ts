import { stepCatalogOf } from '../../src/playbook/step-catalog.js';

/** A catalog like the one the plugin host builds from the bundled plugins, written by hand. */
export const testCatalog = stepCatalogOf({
  '@lockstep/plugin-run': [
    {
      type: 'run',
      description: 'Runs a shell command on the node.',
      schema: {
        description: 'The command, or a mapping with the command and its options.',
        oneOf: [
          { type: 'string' },
          {
            type: 'object',
            additionalProperties: false,
            required: ['command'],
            properties: { command: { type: 'string' }, shell: { type: 'string' }, cwd: { type: 'string' } },
          },
        ],
      },
    },
  ],
  '@lockstep/plugin-barrier': [
    {
      type: 'barrier',
      description: 'Waits until every node of the phase arrives.',
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: { type: 'string' }, count: { type: 'integer', minimum: 1 }, timeout: { type: 'string', 'x-duration': true } },
      },
    },
  ],
  '@lockstep/plugin-semaphore': [
    {
      type: 'semaphore',
      description: 'Acquires or releases a counting semaphore.',
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'delta'],
        properties: { name: { type: 'string' }, delta: { type: 'integer' }, initial: { type: 'integer', minimum: 0 } },
      },
    },
  ],
  '@lockstep/plugin-ssh-tar': [
    {
      type: 'ssh-tar-upload',
      description: 'Uploads a directory as a tar stream.',
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['src', 'dest'],
        properties: { src: { type: 'string' }, dest: { type: 'string' }, mode: { type: 'integer' } },
      },
    },
  ],
});

/** Load options with the test catalog and a fixed environment. */
export function loadOptions(env: Record<string, string | undefined> = { HOME: '/home/test', DEPLOY_TOKEN: 's3cret' }, vars?: Record<string, string>) {
  return { catalog: async () => testCatalog, env, ...(vars ? { vars } : {}) };
}
