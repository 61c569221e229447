#!/usr/bin/env node
// bench/multicast: push a tree (default 100 MB) from one network namespace to 1, 2, 4 and 8
// member namespaces on one bridge, with lockstep's multicast push, with lockstep's
// ssh-tar-upload step (one tar stream to every node at once over SSH), and with an rsync loop
// (makuosan's "for h in …; do rsync …; done"), in the same run. Prints each time and the ratio
// time(8)/time(1) per method.
// Every link (bridge and veths) has a jumbo MTU of 9000 unless --mtu says otherwise; all
// methods run over the same links. For multicast-push it also prints the CPU time the push cost
// the sender and, on average, each receiver.
// Usage (root; needs iproute2, rsync and openssh-server; after `yarn build`):
//   node bench/multicast/run.mjs [--mb 100] [--files 100] [--members 1,2,4,8] [--mtu 9000]
//     [--methods multicast,ssh,rsync,rsyncd] [--chunk-bytes N] [--agent-args='--datagram-bytes=8864']
//     [--node-args='--cpu-prof --cpu-prof-dir=/tmp/prof']   (extra flags for each agent / its node)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '100' },
    files: { type: 'string', default: '100' },
    members: { type: 'string', default: '1,2,4,8' },
    'chunk-bytes': { type: 'string' },
    mtu: { type: 'string', default: '9000' },
    methods: { type: 'string', default: 'multicast,ssh,rsync,rsyncd' },
    'agent-args': { type: 'string', default: '' },
    'node-args': { type: 'string', default: '' },
  },
});
const sizes = values.members.split(',').map(Number);
const methods = new Set(values.methods.split(','));
const maxMembers = Math.max(...sizes);
const root = resolve(import.meta.dirname, '../..');
const bundle = join(root, 'packages/agent/dist/lockstep-agent.mjs');
for (const tool of ['ip', 'rsync', 'ssh-keygen', '/usr/sbin/sshd']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`bench/multicast needs ${tool}: apt-get install -y ${{ ip: 'iproute2', rsync: 'rsync' }[tool] ?? 'openssh-server openssh-client'}`);
    process.exit(1);
  }
}
execFileSync(process.execPath, [join(root, 'packages/agent/scripts/bundle.mjs')], { stdio: 'inherit' });

const tag = `b${process.pid % 100000}`;
const subnet = 200 + (process.pid % 50);
const work = mkdtempSync(join(tmpdir(), 'lockstep-bench-multicast-'));
const namespaces = [];
const children = new Set();
const ip = (...args) => execFileSync('ip', args, { stdio: 'pipe' });
const nsExec = (ns, ...command) => execFileSync('ip', ['netns', 'exec', ns, ...command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
function nsSpawn(ns, ...command) {
  const child = spawn('ip', ['netns', 'exec', ns, ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
function cleanup() {
  for (const child of children) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {}
  }
  for (const ns of namespaces.reverse()) spawnSync('ip', ['netns', 'del', ns]);
  rmSync(work, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nodes = [];
try {
  // Hub namespace with a bridge; node 0 sends, nodes 1..max receive.
  const hub = `ls${tag}h`;
  ip('netns', 'add', hub);
  namespaces.push(hub);
  ip('-n', hub, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0');
  ip('-n', hub, 'link', 'set', 'br0', 'mtu', values.mtu, 'up');
  for (let i = 0; i <= maxMembers; i++) {
    const ns = `ls${tag}n${i}`;
    ip('netns', 'add', ns);
    namespaces.push(ns);
    const outer = `v${tag}${i}`.slice(0, 15);
    ip('link', 'add', outer, 'mtu', values.mtu, 'type', 'veth', 'peer', 'name', 'eth0', 'mtu', values.mtu, 'netns', ns);
    ip('link', 'set', outer, 'netns', hub);
    ip('-n', hub, 'link', 'set', outer, 'master', 'br0', 'up');
    const address = `10.231.${subnet}.${i + 1}`;
    ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    const dir = join(work, `n${i}`);
    mkdirSync(join(dir, 'base'), { recursive: true });
    nodes.push({ ns, address, dir, base: join(dir, 'base'), name: `n${i}` });
  }
  const key = join(work, 'key');
  writeFileSync(key, randomBytes(32).toString('hex'));

  // The tree: --files files of equal size, --mb in all.
  const fileBytes = Math.round((Number(values.mb) * 1e6) / Number(values.files));
  for (let f = 0; f < Number(values.files); f++) {
    const dir = join(nodes[0].base, 'tree', `d${f % 10}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${f}.bin`), randomBytes(fileBytes));
  }
  const clearMembers = () => {
    for (const node of nodes.slice(1)) {
      rmSync(join(node.base, 'tree'), { recursive: true, force: true });
    }
    // Drop the page cache's dirty data so one method's writes do not slow the next one.
    spawnSync('sync');
  };

  async function startAgent(node) {
    const args = [bundle, '--base', node.base, '--interface', node.address, '--key', key, '--name', node.name, '--control', `unix:${join(node.dir, 'agent.sock')}`, '--announce-interval', '500ms'];
    if (values['chunk-bytes']) args.push('--chunk-bytes', values['chunk-bytes']);
    if (values['agent-args']) args.push(...values['agent-args'].split(' '));
    const child = nsSpawn(node.ns, process.execPath, ...(values['node-args'] ? values['node-args'].split(' ') : []), ...args);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    for (let i = 0; i < 200 && !stderr.includes('lockstep-agent '); i++) await sleep(50);
    if (!stderr.includes('lockstep-agent ')) throw new Error(`agent ${node.name} did not start: ${stderr}`);
    return child;
  }
  /** User and system CPU seconds a process has used so far (`ip netns exec` execs, so the PID is the agent's). */
  const cpuSeconds = (child) => {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100 };
  };
  const formatCpu = (list) => {
    const sum = (key) => list.reduce((a, c) => a + c[key], 0) / list.length;
    return `${sum('user').toFixed(2)}s user + ${sum('sys').toFixed(2)}s sys`;
  };
  async function stop(child) {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid, 'SIGTERM');
    await exited;
  }
  const request = (node, method, params) => {
    const out = execFileSync(process.execPath, [bundle, 'request', '--control', `unix:${join(node.dir, 'agent.sock')}`, method, JSON.stringify(params)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const last = JSON.parse(out.trim().split('\n').pop());
    if (last.error) throw new Error(`${method}: ${last.error.message}`);
    return last.result;
  };

  // `rsync loop` is makuosan's comparison, `for h in …; do rsync -aR tree $h:/; done`: rsync over
  // ssh, encrypted like a sealed push. `rsyncd loop` (not run unless asked) is the same loop to
  // rsync daemons, in clear text and unauthenticated: a reference, not a like-for-like peer.
  const results = { 'multicast-push': {}, 'ssh-tar-upload': {}, 'rsync loop': {}, 'rsyncd loop': {} };
  if (!methods.has('multicast')) delete results['multicast-push'];
  if (!methods.has('ssh')) delete results['ssh-tar-upload'];
  if (!methods.has('rsync')) delete results['rsync loop'];
  if (!methods.has('rsyncd')) delete results['rsyncd loop'];
  const details = [];

  // lockstep multicast push: only the N receivers run an agent, so idle agents cost nothing.
  for (const n of methods.has('multicast') ? sizes : []) {
    clearMembers();
    const agents = [await startAgent(nodes[0])];
    for (const node of nodes.slice(1, n + 1)) agents.push(await startAgent(node));
    for (let i = 0; i < 100; i++) {
      if (request(nodes[0], 'members', {}).members.length >= n) break;
      await sleep(100);
    }
    const cpuBefore = agents.map(cpuSeconds);
    const start = process.hrtime.bigint();
    const report = request(nodes[0], 'push', { paths: ['tree'], recursive: true });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const failed = report.members.filter((m) => m.status !== 'ok');
    if (report.members.length !== n || failed.length) throw new Error(`push to ${n} incomplete: ${JSON.stringify(failed)}`);
    results['multicast-push'][n] = ms;
    // CPU the push itself cost each agent (start-up left out).
    const [sender, ...receivers] = agents.map((child, i) => {
      const now = cpuSeconds(child);
      return { user: now.user - cpuBefore[i].user, sys: now.sys - cpuBefore[i].sys };
    });
    details.push(`multicast-push to ${n}: ${(ms / 1000).toFixed(2)}s, ${report.repaired} chunks repaired; CPU: sender ${formatCpu([sender])}, each receiver ${formatCpu(receivers)}`);
    for (const child of agents) await stop(child);
  }

  const hostKey = join(work, 'host_key');
  const userKey = join(work, 'user_key');
  if (results['ssh-tar-upload'] || results['rsync loop']) {
    // One sshd per member namespace, for ssh-tar-upload (the runner runs in the sender's) and
    // for makuosan's rsync-over-ssh loop.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const sessionHome = join(work, 'home');
    mkdirSync(sessionHome, { recursive: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', userKey]);
    execFileSync('cp', [`${userKey}.pub`, join(work, 'authorized_keys')]);
    const hostPub = execFileSync('cat', [`${hostKey}.pub`], { encoding: 'utf8' }).trim().split(' ').slice(0, 2).join(' ');
    writeFileSync(join(work, 'known_hosts'), nodes.slice(1).map((node) => `${node.address} ${hostPub}\n`).join(''));
    for (const node of nodes.slice(1)) {
      const config = join(node.dir, 'sshd_config');
      writeFileSync(
        config,
        [`ListenAddress ${node.address}`, 'Port 22', `HostKey ${hostKey}`, `PidFile ${join(node.dir, 'sshd.pid')}`, `AuthorizedKeysFile ${join(work, 'authorized_keys')}`,
          'PermitRootLogin yes', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', 'MaxSessions 100', 'MaxStartups 100',
          // An empty HOME, as on a clean node: root's rc files here run `pyenv init`, whose lock
          // made every login wait 60 s (as in packages/testing's sshd harness).
          `SetEnv HOME=${sessionHome}`].join('\n') + '\n',
      );
      nsSpawn(node.ns, '/usr/sbin/sshd', '-D', '-e', '-f', config);
    }
    await sleep(500);
  }

  if (results['ssh-tar-upload']) {
    const cli = join(root, 'packages/cli/bin/lockstep.cjs');
    for (const n of sizes) {
      clearMembers();
      const yaml = [
        'name: bench ssh-tar-upload',
        'nodes:',
        ...nodes.slice(1, n + 1).map((node) => `  ${node.name}: { host: "${node.address}", vars: { base: "${node.base}" }, ssh: { user: root, identityFile: "${userKey}", knownHostsFile: "${join(work, 'known_hosts')}", agent: false } }`),
        'phases:',
        '  - name: upload',
        '    steps:',
        `      - ssh-tar-upload: { src: [tree], base-dir: "${nodes[0].base}", relative: true, dest: "\${{ vars.base }}" }`,
      ].join('\n');
      const playbook = join(work, `tar-${n}.yml`);
      writeFileSync(playbook, `${yaml}\n`);
      const start = process.hrtime.bigint();
      const result = spawnSync('ip', ['netns', 'exec', nodes[0].ns, process.execPath, cli, 'run', playbook, '--plain', '--forks', String(n)], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (result.status !== 0 || !existsSync(join(nodes[n].base, 'tree'))) {
        console.error(`ssh-tar-upload to ${n} failed (exit ${result.status}); leaving it out:\n${(result.stdout + result.stderr).slice(-2000)}`);
        delete results['ssh-tar-upload'];
        break;
      }
      results['ssh-tar-upload'][n] = ms;
    }
  }

  if (results['rsync loop']) {
    // makuosan's loop: one `rsync -a` over ssh per member, one after the other, from the sender.
    const ssh = `ssh -i ${userKey} -o UserKnownHostsFile=${join(work, 'known_hosts')} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
    for (const n of sizes) {
      clearMembers();
      const script = nodes.slice(1, n + 1).map((node) => `rsync -a -e '${ssh}' ${join(nodes[0].base, 'tree')} root@${node.address}:${node.base}/`).join(' && ');
      const start = process.hrtime.bigint();
      nsExec(nodes[0].ns, 'sh', '-c', script);
      results['rsync loop'][n] = Number(process.hrtime.bigint() - start) / 1e6;
      if (!existsSync(join(nodes[n].base, 'tree'))) throw new Error('rsync did not copy');
    }
  }

  if (results['rsyncd loop']) {
    // The same loop to rsync daemons (one per member namespace): clear text, no login.
    for (const node of nodes.slice(1)) {
      writeFileSync(join(node.dir, 'rsyncd.conf'), `pid file = ${join(node.dir, 'rsyncd.pid')}\nuse chroot = no\n[base]\npath = ${node.base}\nread only = no\nuid = root\ngid = root\n`);
      nsSpawn(node.ns, 'rsync', '--daemon', '--no-detach', `--config=${join(node.dir, 'rsyncd.conf')}`, `--address=${node.address}`);
    }
    await sleep(500);
    for (const n of sizes) {
      clearMembers();
      const script = nodes.slice(1, n + 1).map((node) => `rsync -a ${join(nodes[0].base, 'tree')} rsync://${node.address}/base/`).join(' && ');
      const start = process.hrtime.bigint();
      nsExec(nodes[0].ns, 'sh', '-c', script);
      results['rsyncd loop'][n] = Number(process.hrtime.bigint() - start) / 1e6;
      if (!existsSync(join(nodes[n].base, 'tree'))) throw new Error('rsync did not copy');
    }
  }

  console.log(`\nbench/multicast: ${values.mb} MB in ${values.files} files, members ${sizes.join(', ')} (network namespaces on one bridge, MTU ${values.mtu})`);
  for (const line of details) console.log(`  ${line}`);
  console.log(`\n| method | ${sizes.map((n) => `time(${n})`).join(' | ')} | time(${maxMembers})/time(${sizes[0]}) |`);
  console.log(`| --- | ${sizes.map(() => '---').join(' | ')} | --- |`);
  for (const [method, times] of Object.entries(results)) {
    console.log(`| ${method} | ${sizes.map((n) => `${(times[n] / 1000).toFixed(2)}s`).join(' | ')} | ${(times[maxMembers] / times[sizes[0]]).toFixed(2)} |`);
  }
  // The target compares like with like: every method but the clear-text rsyncd reference.
  const secure = Object.entries(results).filter(([method]) => method !== 'rsyncd loop');
  if (secure.length > 0) {
    const fastest = secure.sort((a, b) => a[1][maxMembers] - b[1][maxMembers])[0][0];
    console.log(`\nfastest at ${maxMembers} members (encrypted methods): ${fastest}`);
  }
} finally {
  cleanup();
}
