#!/usr/bin/env node
// Starts three local sshd nodes for the deploy example and writes, next to this script in
// .nodes/ (or in --dir DIR):
//   playbook.yml  the example's phases (phases.yml) with the nodes' SSH settings filled in
//   hosts.txt     one address per line, for `lockstep sync -o .nodes/hosts.txt`
//   ssh-args      the --key and --known-hosts flags `lockstep sync` needs for these nodes
// Then it waits: Ctrl-C (or SIGTERM) stops the nodes and removes their keys.
// Needs `yarn build` first (it uses @lockstep/testing) and root, since sshd runs as root.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSshdNodes, sshdNodesYaml } from '@lockstep/testing';

const here = dirname(fileURLToPath(import.meta.url));
const dirFlag = process.argv.indexOf('--dir');
const out = resolve(dirFlag > 0 ? process.argv[dirFlag + 1] : join(here, '.nodes'));
mkdirSync(out, { recursive: true });

const cluster = await startSshdNodes({ count: 3, namePrefix: 'web' });
const phases = readFileSync(join(here, 'phases.yml'), 'utf8').replaceAll('${EXAMPLE_DIR}', here);
writeFileSync(join(out, 'playbook.yml'), `${sshdNodesYaml(cluster.nodes)}${phases}`);
writeFileSync(join(out, 'hosts.txt'), cluster.nodes.map((node) => `${node.ssh.user}@127.0.0.1:${node.port}`).join('\n') + '\n');
writeFileSync(join(out, 'ssh-args'), `--key ${cluster.identityFile} --known-hosts ${cluster.knownHostsFile}\n`);
process.stdout.write(`ready: ${cluster.nodes.map((node) => `${node.name} on port ${node.port}`).join(', ')}; files in ${out}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await cluster.stopAll();
  if (dirFlag < 0) rmSync(out, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// Keep running until told to stop.
setInterval(() => {}, 1 << 30);
