import type { NodeSpec } from '@lockstep/core';

/**
 * Writes a playbook `nodes:` block for sshd test nodes, with each node's ssh settings spelled out
 * so the block works on its own in a playbook.
 *
 * @param nodes the nodes of an {@link SshdCluster}
 * @param indent spaces before `nodes:` (default 0)
 * @returns YAML text ending with a newline
 * @example
 * writeFileSync('playbook.yml', `name: t\n${sshdNodesYaml(cluster.nodes)}phases: …`);
 */
export function sshdNodesYaml(nodes: readonly NodeSpec[], indent = 0): string {
  const pad = ' '.repeat(indent);
  const q = (value: string) => JSON.stringify(value);
  const lines = [`${pad}nodes:`];
  for (const node of nodes) {
    const ssh = node.ssh;
    const fields = [
      ssh.user !== undefined && `user: ${q(ssh.user)}`,
      ssh.identityFile !== undefined && `identityFile: ${q(ssh.identityFile)}`,
      ssh.knownHostsFile !== undefined && `knownHostsFile: ${q(ssh.knownHostsFile)}`,
      ssh.configFile !== undefined && `configFile: ${q(ssh.configFile)}`,
      ssh.agent !== undefined && `agent: ${ssh.agent}`,
      `strictHostKeyChecking: ${ssh.strictHostKeyChecking}`,
      `connectTimeout: ${ssh.connectTimeoutMs}ms`,
      `keepaliveInterval: ${ssh.keepaliveIntervalMs}ms`,
    ].filter((f): f is string => typeof f === 'string');
    lines.push(`${pad}  ${node.name}:`);
    lines.push(`${pad}    host: ${q(node.host)}`);
    if (node.port !== undefined) lines.push(`${pad}    port: ${node.port}`);
    lines.push(`${pad}    ssh: { ${fields.join(', ')} }`);
  }
  return `${lines.join('\n')}\n`;
}
