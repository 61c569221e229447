export { startSshdNodes, SSHD_PATH } from './start-sshd-nodes.js';
export type { StartSshdNodesOptions, SshdCluster, SshdProcess } from './start-sshd-nodes.js';
export { sshdNodesYaml } from './sshd-nodes-yaml.js';
export { descendantsOf, isRunning } from './process-tree.js';
