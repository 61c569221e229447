// A lockstep plugin in plain ESM JavaScript: no build step. The host reads package.json#lockstep
// without importing this file, and imports it the first time a playbook uses a `hello` step.

/** @typedef {import('@lockstep/core').PluginContext} PluginContext */
/** @typedef {import('@lockstep/core').StepContext} StepContext */
/** @typedef {{ greeting?: string, shout?: boolean } | null} HelloArgs */

/**
 * Registers the handler of every step the manifest contributes.
 *
 * @param {PluginContext} context
 */
export function activate(context) {
  // Push every registration: the host disposes them, last first, when the run ends.
  context.subscriptions.push(context.registerStep('hello', hello, planHello));
}

/** Nothing of our own to release; `context.subscriptions` covers the registration. */
export function deactivate() {}

/**
 * Runs `echo` on the node. `context.node.exec` gives the command the step's environment
 * (LOCKSTEP_NODE among it) and streams its output to the report.
 *
 * @param {HelloArgs} args the validated arguments
 * @param {StepContext} context the node, signal, logger…
 */
async function hello(args, context) {
  const text = greetingOf(args);
  const result = await context.node.exec(`echo ${quote(text)} from "$LOCKSTEP_NODE"`, { signal: context.signal });
  if (result.exitCode !== 0) throw new Error(`echo failed with exit code ${result.exitCode}: ${result.stderr}`);
  return { summary: `said ${text}` };
}

/**
 * What `lockstep run --dry-run` prints for the step.
 *
 * @param {HelloArgs} args
 * @param {{ name: string }} node
 */
function planHello(args, node) {
  return `would say "${greetingOf(args)}" on ${node.name}`;
}

/** @param {HelloArgs} args */
function greetingOf(args) {
  const greeting = args?.greeting ?? 'hello';
  return args?.shout ? greeting.toUpperCase() : greeting;
}

/** @param {string} word */
function quote(word) {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
