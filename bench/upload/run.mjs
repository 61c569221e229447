#!/usr/bin/env node
// bench/upload: a 200 MB tree of mixed files (many small, a few large) to 1, 4 and 8 real sshd
// nodes (loopback), measured in the same run three ways:
//   rsync    a sequential `rsync -a` loop over the nodes (makuosan's comparison)
//   tar|ssh  a parallel loop, one `tar -c | ssh … tar -x` per node (the source is read N times)
//   lockstep `ssh-tar-upload` (root mode): one tar stream, read once, to every node at once,
//            sha256-checked on every node
// Prints wall times, ratios and lockstep's peak memory (the runner process's max RSS).
// Usage (after `yarn build`, as root with openssh-server and rsync installed):
//   node bench/upload/run.mjs [--nodes 1,4,8] [--size-mb 200] [--out-dir DIR (default /dev/shm)]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSshdNodes, sshdNodesYaml } from '@lockstep/testing';

const { values } = parseArgs({
  options: { nodes: { type: 'string', default: '1,4,8' }, 'size-mb': { type: 'string', default: '200' }, 'out-dir': { type: 'string' } },
});
const counts = values.nodes.split(',').map(Number);
const sizeMb = Number(values['size-mb']);
const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'packages/cli/bin/lockstep.cjs');
for (const tool of ['rsync', 'ssh', 'tar']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`bench/upload needs ${tool}: apt-get install -y ${tool === 'ssh' ? 'openssh-client' : tool}`);
    process.exit(1);
  }
}

/** Runs a command to completion; resolves with its wall time in ms; rejects on a non-zero exit. */
function timed(label, file, args, env = {}) {
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code === 0) resolvePromise(ms);
      else reject(new Error(`${label} failed (exit ${code}): ${stderr}`));
    });
  });
}

/** A mixed tree: ~25% of the bytes in small files (1-64 kB, in 20 directories), the rest in 3 large files. */
function makeTree(dir, totalMb) {
  mkdirSync(dir, { recursive: true });
  const large = Math.floor((totalMb * 0.75) / 3);
  for (let i = 0; i < 3; i++) spawnSync('dd', ['if=/dev/urandom', `of=${join(dir, `large-${i}.bin`)}`, 'bs=1M', `count=${large}`, 'status=none']);
  // Small files: random bytes from one pool, so making them is quick but nothing compresses.
  const pool = readFileSync(join(dir, 'large-0.bin')).subarray(0, 64 * 1024 * 64);
  let left = (totalMb - large * 3) * 1024 * 1024;
  let n = 0;
  while (left > 0) {
    const size = Math.min(left, 1024 + ((n * 7919) % (63 * 1024)));
    const sub = join(dir, `dir-${n % 20}`);
    mkdirSync(sub, { recursive: true });
    const offset = (n * 4099) % (pool.length - size);
    writeFileSync(join(sub, `f-${n}.dat`), pool.subarray(offset, offset + size));
    left -= size;
    n += 1;
  }
  return n + 3;
}

const work = mkdtempSync(join(tmpdir(), 'lockstep-bench-upload-'));
const src = join(work, 'src');
// Where the nodes extract. All the "nodes" share this machine's one filesystem, and the run
// deletes each way's copies (8 x 1,600 files) just before the next way makes its own. On ext4
// that made every file creation afterwards cost ~1 ms (the inode allocator skips inodes freed in
// the last minutes, one by one: `recently_deleted` in perf), about 2 s of kernel time per copy
// of the tree, whoever wrote it: 8 local `tar -x` of the tree, with no network at all, took 17 s.
// That measured the cleanup, not the upload, so the copies go to tmpfs unless told otherwise.
const outBase = mkdtempSync(join(values['out-dir'] ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir()), 'lockstep-bench-upload-out-'));
const files = makeTree(src, sizeMb);
const maxNodes = Math.max(...counts);
const cluster = await startSshdNodes({ count: maxNodes, baseDir: join(work, 'sshd'), sshdConfig: ['MaxSessions 50'] });
const rssFile = join(work, 'rss');
const preload = join(work, 'report-rss.mjs');
// Loaded into the lockstep process with --import: writes its peak RSS when it exits.
writeFileSync(preload, "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.RSS_FILE, String(process.resourceUsage().maxRSS)));\n");
const rows = [];
try {
  const user = cluster.nodes[0].ssh.user;
  const sshArgs = ['-i', cluster.identityFile, '-o', `UserKnownHostsFile=${cluster.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'IdentitiesOnly=yes', '-F', cluster.configFile];
  const sshCmd = `ssh ${sshArgs.join(' ')}`;
  for (const count of counts) {
    const nodes = cluster.nodes.slice(0, count);
    const out = join(outBase, `out-${count}`);
    const clean = () => rmSync(out, { recursive: true, force: true });

    clean();
    let rsyncMs = 0;
    for (const node of nodes) {
      mkdirSync(join(out, 'rsync', node.name), { recursive: true });
      rsyncMs += await timed('rsync', 'rsync', ['-a', '-e', `${sshCmd} -p ${node.port}`, `${src}/`, `${user}@127.0.0.1:${join(out, 'rsync', node.name)}/`]);
    }

    clean();
    const tarStart = process.hrtime.bigint();
    await Promise.all(
      nodes.map((node) =>
        timed('tar|ssh', 'sh', ['-c', `tar -C ${src} -cf - . | ${sshCmd} -p ${node.port} ${user}@127.0.0.1 'mkdir -p ${join(out, 'tar', node.name)} && tar -C ${join(out, 'tar', node.name)} -xf -'`]),
      ),
    );
    const tarMs = Number(process.hrtime.bigint() - tarStart) / 1e6;

    clean();
    const playbook = join(work, `upload-${count}.yml`);
    writeFileSync(
      playbook,
      `name: upload\nvars: { out: ${JSON.stringify(join(out, 'lockstep'))} }\n${sshdNodesYaml(nodes)}phases:\n  - name: upload\n    steps:\n      - ssh-tar-upload: { base-dir: ${JSON.stringify(src)}, src: ./, relative: true, root: "\${{ vars.out }}/\${{ node.name }}" }\n`,
    );
    const lockstepMs = await timed('lockstep', process.execPath, ['--import', preload, cli, 'run', playbook, '--plain', '--forks', String(count)], { RSS_FILE: rssFile });
    const rssMb = Math.round(Number(readFileSync(rssFile, 'utf8')) / 1024);
    clean();
    rows.push({ count, rsyncMs, tarMs, lockstepMs, rssMb });
  }
} finally {
  await cluster.stopAll();
  rmSync(work, { recursive: true, force: true });
  rmSync(outBase, { recursive: true, force: true });
}

const s = (ms) => `${(ms / 1000).toFixed(2)}s`;
const fsType = spawnSync('stat', ['-f', '-c', '%T', dirname(outBase)]).stdout.toString().trim();
console.log(`upload of ${sizeMb} MB (${files} files: 3 large, the rest 1-64 kB) to N sshd nodes on loopback, extracted under ${dirname(outBase)} (${fsType}); ${spawnSync('nproc').stdout.toString().trim()} cores`);
console.log('| nodes | rsync -a loop | tar\\|ssh parallel | lockstep | rsync / lockstep | tar\\|ssh / lockstep | lockstep peak RSS |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  console.log(`| ${row.count} | ${s(row.rsyncMs)} | ${s(row.tarMs)} | ${s(row.lockstepMs)} | ${(row.rsyncMs / row.lockstepMs).toFixed(2)}x | ${(row.tarMs / row.lockstepMs).toFixed(2)}x | ${row.rssMb} MB |`);
}
