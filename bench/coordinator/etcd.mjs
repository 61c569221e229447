#!/usr/bin/env node
// bench/coordinator/etcd.mjs: the coordinator on etcd. Lock round trip (acquire + release) and
// semaphore ops/s through a `lockstep coordinator` TCP client, on the in-memory backend and on
// a one-member and a three-member etcd, beside `etcdctl lock` and the etcd3 client's own lock
// recipe, all in the same run. Prints ratios.
// Usage (after `yarn build`; needs Debian's etcd-server and etcd-client: /usr/bin/etcd, etcdctl):
//   node bench/coordinator/etcd.mjs [--rounds 200] [--seconds 3] [--cold 20]
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Coordinator, CoordinatorServer, EtcdBackend, MemoryBackend, connectCoordinator } from '@lockstep/core';
import { freePort, median, now } from './measure.mjs';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '200' }, seconds: { type: 'string', default: '3' }, cold: { type: 'string', default: '20' } },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const coldRuns = Number(values.cold);
const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'packages/cli/bin/lockstep.cjs');
const etcdBin = process.env.LOCKSTEP_ETCD ?? '/usr/bin/etcd';
const etcdctl = process.env.LOCKSTEP_ETCDCTL ?? 'etcdctl';
for (const tool of [etcdBin, etcdctl]) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`bench/coordinator/etcd.mjs needs ${tool}: apt-get install -y etcd-server etcd-client`);
    process.exit(1);
  }
}


/** Starts an etcd cluster of `size` members on loopback in `dir`; returns endpoints and a stop function. */
async function startEtcd(size, dir) {
  const ports = [];
  for (let i = 0; i < size * 2; i++) ports.push(await freePort());
  const members = Array.from({ length: size }, (_, i) => ({ name: `m${i}`, client: `127.0.0.1:${ports[2 * i]}`, peer: `http://127.0.0.1:${ports[2 * i + 1]}` }));
  const initial = members.map((m) => `${m.name}=${m.peer}`).join(',');
  const children = members.map((m) =>
    spawn(etcdBin, [
      '--name', m.name, '--data-dir', join(dir, `etcd${size}-${m.name}`),
      '--listen-client-urls', `http://${m.client}`, '--advertise-client-urls', `http://${m.client}`,
      '--listen-peer-urls', m.peer, '--initial-advertise-peer-urls', m.peer,
      '--initial-cluster', initial, '--initial-cluster-state', 'new', '--initial-cluster-token', `bench-${size}`,
      '--logger', 'zap', '--log-level', 'error',
    ], { stdio: 'ignore' }),
  );
  const deadline = Date.now() + 30_000;
  for (const m of members) {
    for (;;) {
      try {
        const body = await (await fetch(`http://${m.client}/health`)).json();
        if (body.health === 'true') break;
      } catch {}
      if (Date.now() > deadline) throw new Error(`etcd member ${m.name} did not become healthy`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    endpoints: members.map((m) => m.client),
    stop: async () => {
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : (c.once('exit', r), process.kill(c.pid, 'SIGKILL'))))));
    },
  };
}

/** A coordinator over `backend`, served on loopback; returns a factory of connected TCP clients. */
async function serve(backend) {
  const coordinator = new Coordinator({ backend });
  const token = randomBytes(16).toString('hex');
  const server = await CoordinatorServer.listen({ coordinator, token, host: '127.0.0.1', port: 0 });
  const clients = [];
  return {
    address: server.address,
    token,
    client: async () => {
      const c = await connectCoordinator({ address: server.address, token, name: 'bench' });
      clients.push(c);
      return c;
    },
    close: async () => {
      for (const c of clients) await c.dispose();
      await server.dispose();
      await coordinator.dispose();
      await backend.dispose();
    },
  };
}

/** Median lock acquire + release round trip of one warm client, in ms. */
async function lockRoundTrip(service) {
  const client = await service.client();
  for (let i = 0; i < 10; i++) await (await client.lock('warmup')).release();
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    const start = now();
    const hold = await client.lock('bench-lock');
    await hold.release();
    samples.push(now() - start);
  }
  return median(samples);
}

/** Semaphore ops/s: `n` clients alternate +1 and -1 on one semaphore for `seconds`. */
async function semaphoreOps(service, n) {
  const clients = await Promise.all(Array.from({ length: n }, () => service.client()));
  const name = `bench-sem-${n}`;
  await clients[0].semaphore(name, 0, { initial: n });
  let ops = 0;
  const end = now() + seconds * 1000;
  await Promise.all(
    clients.map(async (c) => {
      while (now() < end) {
        await c.semaphore(name, -1);
        await c.semaphore(name, 1);
        ops += 2;
      }
    }),
  );
  return ops / seconds;
}

/** Median wall time of a cold command, in ms (spawned asynchronously: the coordinator under test runs in this process). */
async function cold(file, args, env = {}) {
  const samples = [];
  for (let i = 0; i < coldRuns; i++) {
    const start = now();
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const status = await new Promise((r) => child.once('exit', r));
    if (status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${status}): ${stderr}`);
    samples.push(now() - start);
  }
  return median(samples);
}

/** The etcd3 client's own lock recipe (lease + key + wait), warm: median acquire + release in ms. */
async function etcd3Lock(endpoints) {
  const { Etcd3 } = await import('etcd3');
  const client = new Etcd3({ hosts: endpoints.map((e) => `http://${e}`) });
  const samples = [];
  try {
    for (let i = 0; i < rounds + 10; i++) {
      const start = now();
      const lock = client.lock('etcd3-bench');
      await lock.acquire();
      await lock.release();
      if (i >= 10) samples.push(now() - start);
    }
  } finally {
    client.close();
  }
  return median(samples);
}

const work = mkdtempSync(join(tmpdir(), 'lockstep-bench-etcd-'));
const rows = [];
const clusters = [];
try {
  const memory = await serve(new MemoryBackend());
  const backends = [{ label: 'memory', service: memory }];
  for (const size of [1, 3]) {
    const cluster = await startEtcd(size, work);
    clusters.push(cluster);
    const backend = await EtcdBackend.connect({ endpoints: cluster.endpoints, prefix: `/bench-${size}/` });
    backends.push({ label: `etcd ${size}-member`, service: await serve(backend), cluster });
  }

  for (const { label, service, cluster } of backends) {
    const row = { label, lockMs: await lockRoundTrip(service), sem1: await semaphoreOps(service, 1), sem10: await semaphoreOps(service, 10) };
    if (cluster) {
      const endpoints = cluster.endpoints.join(',');
      row.etcdctlMs = await cold(etcdctl, ['--endpoints', endpoints, 'lock', 'etcdctl-bench', 'true'], { ETCDCTL_API: '3' });
      row.etcd3Ms = await etcd3Lock(cluster.endpoints);
      row.cliMs = await cold('node', [cli, 'lock', '-c', service.address, '-r', 'cli-bench', '--', 'true'], { LOCKSTEP_TOKEN: service.token });
    }
    rows.push(row);
  }
  for (const { service } of backends) await service.close();
} finally {
  for (const c of clusters) await c.stop();
  rmSync(work, { recursive: true, force: true });
}

const mem = rows[0];
const f = (x, d = 2) => (x === undefined ? '-' : x.toFixed(d));
console.log(`\ncoordinator on etcd (rounds ${rounds}, ${seconds} s per ops/s figure, ${coldRuns} cold runs; medians)\n`);
console.log('| backend | lock round trip (ms) | sem ops/s, 1 client | sem ops/s, 10 clients | `etcdctl lock` (ms, cold) | etcd3 client lock (ms, warm) | `lockstep lock -- true` (ms, cold) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.label} | ${f(r.lockMs)} | ${f(r.sem1, 0)} | ${f(r.sem10, 0)} | ${f(r.etcdctlMs, 1)} | ${f(r.etcd3Ms)} | ${f(r.cliMs, 1)} |`);
}
console.log('\nratios');
for (const r of rows.slice(1)) {
  console.log(`${r.label}: lock round trip ${f(r.lockMs / mem.lockMs, 1)}x memory; ${f(r.lockMs / r.etcdctlMs)}x \`etcdctl lock\` (target ≤ 1); ${f(r.lockMs / r.etcd3Ms)}x the etcd3 client's lock; semaphore ops/s ${f(r.sem1 / mem.sem1, 3)}x memory (1 client), ${f(r.sem10 / mem.sem10, 3)}x (10 clients); cold \`lockstep lock\` ${f(r.cliMs / r.etcdctlMs)}x cold \`etcdctl lock\``);
}
