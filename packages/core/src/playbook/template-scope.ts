import type { NodeSpec, Playbook } from './model.js';
import type { TemplateScope } from './templates.js';

/**
 * Builds the scope templates and `when:` see on one node: the node's fields, the vars merged in
 * precedence order (playbook vars, then the node's, with `--vars` above both: the loader already
 * applied them to each), and the environment.
 *
 * @param playbook the loaded playbook
 * @param node the node the step runs on
 * @param env the environment for `${{ env.X }}` (default process.env)
 * @returns the scope for {@link renderTemplates} and {@link evaluateWhen}
 */
export function createTemplateScope(playbook: Pick<Playbook, 'vars'>, node: NodeSpec, env: Record<string, string | undefined> = process.env): TemplateScope {
  return {
    node: {
      name: node.name,
      host: node.host,
      ...(node.port === undefined ? {} : { port: node.port }),
      connection: node.connection,
      user: node.ssh.user,
      labels: node.labels,
      workdir: node.workdir,
    },
    vars: { ...playbook.vars, ...node.vars },
    env,
  };
}
