#!/usr/bin/env node
// bench/fanout: a no-op on N real sshd nodes with lockstep, Ansible (raw) and parallel-ssh,
// measured in the same run; the runner's own overhead per step; the CLI's cold start.
// Usage (after `yarn build`, as root with openssh-server, ansible and pssh installed):
//   node bench/fanout/run.mjs [--nodes 20] [--repeat 3]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSshdNodes, sshdNodesYaml } from '@lockstep/testing';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '20' }, repeat: { type: 'string', default: '3' } } });
const nodeCount = Number(values.nodes);
const repeat = Number(values.repeat);
const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'packages/cli/bin/lockstep.cjs');

for (const tool of ['ansible', 'parallel-ssh']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`bench/fanout needs ${tool}: apt-get install -y ${tool === 'ansible' ? 'ansible' : 'pssh'}`);
    process.exit(1);
  }
}

/** Runs a command `repeat` times and returns the median wall time in ms; fails on a non-zero exit. */
function time(label, file, args, options = {}) {
  const samples = [];
  for (let i = 0; i < (options.repeat ?? repeat); i++) {
    options.before?.();
    const start = process.hrtime.bigint();
    const result = spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, ...options.env }, maxBuffer: 64 << 20 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) {
      throw new Error(`${label} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`.slice(0, 4000));
    }
    samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const work = mkdtempSync(join(tmpdir(), 'lockstep-bench-fanout-'));
// The harness gives sessions an empty HOME (no ~/.bashrc runs), so this measures the tools and
// not the machine user's rc files; all three tools log in to the same sshd nodes.
const cluster = await startSshdNodes({ count: nodeCount, baseDir: join(work, 'sshd') });
const results = [];
try {
  const nodes = cluster.nodes;
  const user = nodes[0].ssh.user;
  const sshOpts = `-i ${cluster.identityFile} -o UserKnownHostsFile=${cluster.knownHostsFile} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -F ${cluster.configFile}`;

  // lockstep: one phase, one no-op step on every node.
  const playbook = join(work, 'fanout.yml');
  writeFileSync(playbook, `name: fanout\n${sshdNodesYaml(nodes)}phases:\n  - name: noop\n    steps:\n      - run: "true"\n`);
  const lockstepMs = time('lockstep', 'node', [cli, 'run', playbook, '--forks', String(nodeCount), '--plain']);

  // Ansible: raw module (no Python on the node needed), a fresh ControlPersist dir each time so
  // every run logs in, as lockstep does.
  const inventory = join(work, 'inventory.ini');
  writeFileSync(
    inventory,
    nodes.map((n) => `${n.name} ansible_host=127.0.0.1 ansible_port=${n.port} ansible_user=${user} ansible_ssh_private_key_file=${cluster.identityFile}`).join('\n') +
      `\n[all:vars]\nansible_ssh_common_args='-o UserKnownHostsFile=${cluster.knownHostsFile} -o StrictHostKeyChecking=yes -F ${cluster.configFile}'\n`,
  );
  let cpDir = '';
  const ansibleMs = time('ansible', 'ansible', ['all', '-i', inventory, '-f', String(nodeCount), '-m', 'raw', '-a', 'true'], {
    before: () => {
      cpDir = mkdtempSync(join(work, 'cp-'));
    },
    env: { ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_SSH_CONTROL_PATH_DIR: cpDir, ANSIBLE_LOCALHOST_WARNING: 'False', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False' },
  });

  // parallel-ssh (Debian's pssh).
  const hosts = join(work, 'hosts');
  writeFileSync(hosts, nodes.map((n) => `${user}@127.0.0.1:${n.port}`).join('\n') + '\n');
  const psshMs = time('parallel-ssh', 'parallel-ssh', ['-h', hosts, '-p', String(nodeCount), '-x', sshOpts, 'true']);

  results.push(['no-op on ' + nodeCount + ' sshd nodes: lockstep', lockstepMs]);
  results.push(['no-op on ' + nodeCount + ' sshd nodes: ansible -m raw', ansibleMs]);
  results.push(['no-op on ' + nodeCount + ' sshd nodes: parallel-ssh', psshMs]);

  // Runner overhead: 100 no-op steps on 10 nodes vs 1 step on the same 10 nodes.
  const ten = nodes.slice(0, 10);
  const steps = (n) => Array.from({ length: n }, () => '      - run: "true"').join('\n');
  const one = join(work, 'one.yml');
  const hundred = join(work, 'hundred.yml');
  writeFileSync(one, `name: one\n${sshdNodesYaml(ten)}phases:\n  - name: p\n    steps:\n${steps(1)}\n`);
  writeFileSync(hundred, `name: hundred\n${sshdNodesYaml(ten)}phases:\n  - name: p\n    steps:\n${steps(100)}\n`);
  const oneMs = time('lockstep 1 step', 'node', [cli, 'run', one, '--plain'], { repeat: 1 });
  const hundredMs = time('lockstep 100 steps', 'node', [cli, 'run', hundred, '--plain'], { repeat: 1 });
  results.push(['1 no-op step on 10 sshd nodes: lockstep', oneMs]);
  results.push(['100 no-op steps on 10 sshd nodes: lockstep', hundredMs]);
  // The same on 10 local nodes: no remote login shell per step, so this is the runner's own cost.
  const localNodes = `nodes:\n${Array.from({ length: 10 }, (_, i) => `  l${i + 1}: { connection: local, workdir: ${JSON.stringify(join(work, `l${i + 1}`))} }`).join('\n')}\n`;
  const localOne = join(work, 'local-one.yml');
  const localHundred = join(work, 'local-hundred.yml');
  writeFileSync(localOne, `name: one\n${localNodes}phases:\n  - name: p\n    steps:\n${steps(1)}\n`);
  writeFileSync(localHundred, `name: hundred\n${localNodes}phases:\n  - name: p\n    steps:\n${steps(100)}\n`);
  const localOneMs = time('lockstep 1 local step', 'node', [cli, 'run', localOne, '--plain']);
  const localHundredMs = time('lockstep 100 local steps', 'node', [cli, 'run', localHundred, '--plain']);
  results.push(['1 no-op step on 10 local nodes: lockstep', localOneMs]);
  results.push(['100 no-op steps on 10 local nodes: lockstep', localHundredMs]);
  // One login shell on a node, as every ssh exec pays it (root's ~/.bashrc may do real work).
  const shellMs = time('ssh true', 'ssh', [...sshOpts.split(' '), '-p', String(nodes[0].port), `${user}@127.0.0.1`, 'true'], { repeat: 5 });
  results.push(['one `ssh node true` (login + remote shell)', shellMs]);

  // Cold start.
  const quick = join(root, 'examples/quickstart/playbook.yml');
  const nodeMs = time('node -e 0', 'node', ['-e', '0'], { repeat: 15 });
  const helpMs = time('lockstep --help', 'node', [cli, '--help'], { repeat: 15 });
  const checkMs = time('lockstep check', 'node', [cli, 'check', quick], { repeat: 15 });
  results.push(['node -e 0', nodeMs], ['lockstep --help', helpMs], ['lockstep check examples/quickstart', checkMs]);

  const width = Math.max(...results.map(([l]) => l.length));
  for (const [label, ms] of results) console.log(`${label.padEnd(width)}  ${ms.toFixed(0).padStart(6)} ms`);
  console.log('');
  const ratio = (a, b) => (a / b).toFixed(2);
  const verdict = (ok) => (ok ? 'ok' : 'MISSED');
  console.log(`lockstep / ansible      = ${ratio(lockstepMs, ansibleMs)}  (target <= 0.5: ${verdict(lockstepMs <= 0.5 * ansibleMs)})`);
  console.log(`lockstep / parallel-ssh = ${ratio(lockstepMs, psshMs)}  (target <= 1.0: ${verdict(lockstepMs <= psshMs)})`);
  console.log(`per step on 10 sshd nodes   = ${((hundredMs - oneMs) / 99).toFixed(1)} ms (each node starts a login shell per step)`);
  console.log(`runner overhead per step on 10 local nodes = ${((localHundredMs - localOneMs) / 99).toFixed(1)} ms`);
  console.log(`--help / node -e 0      = ${ratio(helpMs, nodeMs)}  (target <= 1.5: ${verdict(helpMs <= 1.5 * nodeMs)})`);
  console.log(`check / node -e 0       = ${ratio(checkMs, nodeMs)}  (target <= 1.5: ${verdict(checkMs <= 1.5 * nodeMs)})`);
} finally {
  await cluster.stopAll();
  rmSync(work, { recursive: true, force: true });
}
