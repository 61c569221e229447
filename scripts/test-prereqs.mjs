#!/usr/bin/env node
// The test suite talks to real sshd, etcd, network namespaces, nftables and multicast: nothing is
// mocked and nothing is skipped. This makes sure those programs exist before vitest starts,
// installing Debian's packages when we are root on a machine with apt-get, and failing loudly
// otherwise (a missing component must never turn into a silently skipped test).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** program that must exist -> Debian package that provides it */
const needs = [
  ['/usr/sbin/sshd', 'openssh-server'],
  ['/usr/bin/ssh-keygen', 'openssh-client'],
  ['/usr/bin/etcd', 'etcd-server'],
  ['/usr/bin/etcdctl', 'etcd-client'],
  ['/usr/sbin/ip', 'iproute2'],
  ['/usr/sbin/nft', 'nftables'],
  ['/usr/bin/ping', 'iputils-ping'],
  ['/usr/bin/rsync', 'rsync'],
  ['/usr/bin/flock', 'util-linux'],
  ['/usr/bin/tar', 'tar'],
];

const missing = needs.filter(([path]) => !existsSync(path));
if (missing.length === 0) process.exit(0);

const packages = [...new Set(missing.map(([, pkg]) => pkg))];
const isRoot = process.getuid?.() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!isRoot || !hasApt) {
  console.error(
    `The tests need ${missing.map(([p]) => p).join(', ')}.\n` +
      `Install them with: sudo apt-get install -y ${packages.join(' ')}`,
  );
  process.exit(1);
}
console.error(`installing test prerequisites: ${packages.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
const still = needs.filter(([path]) => !existsSync(path));
if (still.length > 0) {
  console.error(`still missing after install: ${still.map(([p]) => p).join(', ')}`);
  process.exit(1);
}
