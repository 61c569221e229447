import { renderTemplates, type TemplateScope } from '../playbook/templates.js';

/**
 * The vars a step sees in `context.vars`, rendered for its node. A var that cannot be rendered
 * (it names an unset variable) is passed as written rather than failing steps that don't use it.
 *
 * @param scope the node's scope
 * @returns the rendered vars
 */
export function renderVars(scope: TemplateScope): Record<string, unknown> {
  const rendered: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(scope.vars)) {
    try {
      rendered[name] = renderTemplates(value, scope);
    } catch {
      rendered[name] = value;
    }
  }
  return rendered;
}
