#!/usr/bin/env node
// bench/coordinator/run.mjs: the coordinator (in-memory backend) against its physical limit and
// its peer, all measured in the same run:
//   - lock acquire+release round trip   vs a bare TCP echo round trip on loopback, and `etcdctl lock`
//   - semaphore ops/s from 1, 10 and 100 concurrent clients
//   - time from the last arrival to the release of a 1000-participant barrier
//   - a cold `lockstep sem NAME 0`      vs `node -e 0` and `etcdctl lock NAME true`
// Prints the numbers, the ratios and the targets, and with --write puts them into
// docs/benchmarks.md under "## Coordinator" (replacing only that section).
// Usage (after `yarn build`; etcd parts need Debian's etcd-server and etcd-client):
//   node bench/coordinator/run.mjs [--rounds 3000] [--seconds 2] [--cold 20] [--write]
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Coordinator, connectCoordinator } from '@lockstep/core';
import { freePort, median, now } from './measure.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3000' },
    seconds: { type: 'string', default: '2' },
    cold: { type: 'string', default: '20' },
    write: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const coldRuns = Number(values.cold);
const root = resolve(import.meta.dirname, '../..');
// The `lockstep` bin, as users run it: it starts the esbuild bundle when that is current.
const cli = join(root, 'packages/cli/bin/lockstep.cjs');
const TOKEN = 'bench-token';
const hasEtcd = spawnSync('sh', ['-c', 'command -v etcd && command -v etcdctl']).status === 0;

const children = [];
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts a child process and resolves once it printed its first stdout line. */
async function startChild(command, args, env = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  children.push(child);
  const [first] = await once(child.stdout, 'data');
  return { child, first: first.toString() };
}

function stop(child) {
  if (child.exitCode === null) child.kill('SIGTERM');
}

// ---- servers: a bare echo, and `lockstep coordinator`, each in its own process ----
const echoPort = await freePort();
const echo = await startChild(process.execPath, [
  '-e',
  `require('net').createServer((s) => { s.setNoDelay(true); s.pipe(s); }).listen(${echoPort}, '127.0.0.1', () => console.log('up'))`,
]);
const coordinatorPort = await freePort();
const coordinator = await startChild(process.execPath, [cli, 'coordinator', '--listen', `127.0.0.1:${coordinatorPort}`], { LOCKSTEP_TOKEN: TOKEN });
const address = `127.0.0.1:${coordinatorPort}`;

// ---- round trips: echo and lock, interleaved so machine load hits both alike ----
const echoSocket = connect(echoPort, '127.0.0.1');
echoSocket.setNoDelay(true);
await once(echoSocket, 'connect');
const echoOnce = () =>
  new Promise((resolveEcho) => {
    echoSocket.once('data', resolveEcho);
    echoSocket.write('PING\n');
  });
const client = await connectCoordinator({ address, token: TOKEN, name: 'bench' });
const echoTimes = [];
const lockTimes = [];
for (let i = 0; i < rounds + 300; i++) {
  let t = now();
  await echoOnce();
  const e = now() - t;
  t = now();
  const hold = await client.lock('bench-lock');
  await hold.release();
  const l = now() - t;
  if (i >= 300) (echoTimes.push(e), lockTimes.push(l)); // the first 300 warm up the JIT
}
const echoRtt = median(echoTimes);
const lockRtt = median(lockTimes);

// ---- semaphore ops/s with 1, 10, 100 clients: each does SEM s 1 then SEM s -1 in a loop ----
const semOps = {};
for (const n of [1, 10, 100]) {
  const clients = await Promise.all(Array.from({ length: n }, (_, i) => connectCoordinator({ address, token: TOKEN, name: `sem${i}` })));
  let ops = 0;
  const end = now() + seconds * 1000;
  await Promise.all(
    clients.map(async (c) => {
      while (now() < end) {
        await c.semaphore(`bench-sem-${n}`, 1);
        await c.semaphore(`bench-sem-${n}`, -1);
        ops += 2;
      }
    }),
  );
  semOps[n] = ops / seconds;
  await Promise.all(clients.map((c) => c.dispose()));
}

// ---- a 1000-participant barrier: time from the last arrival to the release of all ----
const PARTICIPANTS = 1000;
const participants = [];
for (let i = 0; i < PARTICIPANTS; i += 100) {
  participants.push(...(await Promise.all(Array.from({ length: 100 }, (_, j) => connectCoordinator({ address, token: TOKEN, name: `p${i + j}`, heartbeatMs: 0 })))));
}
// Five generations of the same barrier (a fired barrier's name opens the next generation), so
// one scheduling hiccup of this shared machine does not make the figure: the median is reported.
const BARRIER_ROUNDS = 5;
const barrierRounds = [];
for (let round = 1; round <= BARRIER_ROUNDS; round++) {
  const released = participants.slice(0, PARTICIPANTS - 1).map((c) => c.barrier('bench-barrier', PARTICIPANTS).then(() => now()));
  // Wait until all 999 are in (INFO reads the barrier without arriving).
  while (!(await client.request('INFO barrier bench-barrier')).includes(`generation=${round} count=${PARTICIPANTS} arrived=${PARTICIPANTS - 1} `)) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const lastArrival = now();
  const last = participants[PARTICIPANTS - 1].barrier('bench-barrier', PARTICIPANTS).then(() => now());
  const releaseTimes = await Promise.all([...released, last]);
  barrierRounds.push(Math.max(...releaseTimes) - lastArrival);
}
const barrierMs = median(barrierRounds);
await Promise.all(participants.map((c) => c.dispose()));
await client.dispose();

// The same barrier with in-process sessions (no sockets): what the coordinator itself costs.
const local = new Coordinator();
const sessions = await Promise.all(Array.from({ length: PARTICIPANTS + 1 }, (_, i) => local.openSession({ name: `p${i}` })));
const localReleased = sessions.slice(0, PARTICIPANTS - 1).map((s) => s.barrier('b', PARTICIPANTS).then(() => now()));
for (;;) {
  const message = await sessions[PARTICIPANTS].barrier('b', 1).then(
    () => '',
    (error) => error.message,
  );
  if (message.includes(`(${PARTICIPANTS - 1} arrived)`)) break;
  await new Promise((r) => setTimeout(r, 20));
}
const localLast = now();
const localTimes = await Promise.all([...localReleased, sessions[PARTICIPANTS - 1].barrier('b', PARTICIPANTS).then(() => now())]);
const localBarrierMs = Math.max(...localTimes) - localLast;
await local.dispose();
echoSocket.destroy();
stop(echo.child);

// ---- etcd on loopback, in a temp dir, stopped by PID ----
let etcd;
let etcdDir;
let etcdctlEnv;
if (hasEtcd) {
  etcdDir = mkdtempSync(join(tmpdir(), 'lockstep-bench-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const child = spawn(
    'etcd',
    [
      '--name', 'bench', '--data-dir', join(etcdDir, 'data'),
      '--listen-client-urls', `http://127.0.0.1:${clientPort}`, '--advertise-client-urls', `http://127.0.0.1:${clientPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
      '--initial-cluster', `bench=http://127.0.0.1:${peerPort}`, '--logger', 'zap', '--log-level', 'error',
    ],
    { stdio: 'ignore' },
  );
  children.push(child);
  etcd = child;
  etcdctlEnv = { ...process.env, ETCDCTL_API: '3', ETCDCTL_ENDPOINTS: `127.0.0.1:${clientPort}` };
  const deadline = Date.now() + 30_000;
  while (spawnSync('etcdctl', ['endpoint', 'health'], { env: etcdctlEnv }).status !== 0) {
    if (Date.now() > deadline) throw new Error('etcd did not become healthy within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ---- cold processes: node -e 0, lockstep sem NAME 0, etcdctl lock NAME true, interleaved ----
// Wall time, and (through /usr/bin/time, when present) CPU time, which a loaded machine disturbs less.
const hasTime = existsSync('/usr/bin/time');
const cpu = { node: [], sem: [], etcdctl: [] };
let cpuKey;
const timeRun = (command, args, env) => {
  const t = now();
  const r = hasTime
    ? spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', command, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    : spawnSync(command, args, { env, stdio: 'ignore' });
  const wall = now() - t;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.status}`);
  const match = hasTime ? /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr.toString()) : null;
  if (match && cpuKey) cpu[cpuKey].push((Number(match[1]) + Number(match[2])) * 1000);
  return wall;
};
const cold = { node: [], sem: [], etcdctl: [] };
const semEnv = { ...process.env, LOCKSTEP_COORDINATOR: address, LOCKSTEP_TOKEN: TOKEN };
for (let i = 0; i < coldRuns + 2; i++) {
  cpuKey = i >= 2 ? 'node' : undefined;
  const n = timeRun(process.execPath, ['-e', '0'], process.env);
  cpuKey = i >= 2 ? 'sem' : undefined;
  const s = timeRun(process.execPath, [cli, 'sem', 'cold', '0'], semEnv);
  cpuKey = i >= 2 ? 'etcdctl' : undefined;
  const e = hasEtcd ? timeRun('etcdctl', ['lock', 'bench-cold', 'true'], etcdctlEnv) : NaN;
  if (i >= 2) (cold.node.push(n), cold.sem.push(s), cold.etcdctl.push(e));
}
// etcdctl lock is a process per lock: its round trip is the cold number.
const etcdLockMs = hasEtcd ? median(cold.etcdctl) : NaN;

stop(coordinator.child);
if (etcd) {
  etcd.kill('SIGTERM');
  await once(etcd, 'exit');
  rmSync(etcdDir, { recursive: true, force: true });
}

// ---- report ----
const us = (ms) => `${(ms * 1000).toFixed(0)} µs`;
const ms = (x) => (Number.isNaN(x) ? 'n/a (no etcd)' : `${x.toFixed(1)} ms`);
const ratio = (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? 'n/a' : `${(a / b).toFixed(2)}x`);
const verdict = (ok) => (ok ? 'meets target' : 'MISSES target');
const semNode = median(cold.sem) / median(cold.node);
const lines = [
  `| measurement | value | compared with | ratio | target |`,
  `| --- | --- | --- | --- | --- |`,
  `| TCP echo round trip, loopback (the physical limit) | ${us(echoRtt)} | | | |`,
  `| lock acquire + release round trip | ${us(lockRtt)} | TCP echo | ${ratio(lockRtt, echoRtt)} | ≤ 3x echo: ${verdict(lockRtt <= 3 * echoRtt)} |`,
  `| \`etcdctl lock NAME true\` (a process per lock) | ${ms(etcdLockMs)} | lockstep lock round trip | ${ratio(etcdLockMs, lockRtt)} slower | |`,
  `| semaphore ops/s, 1 client | ${Math.round(semOps[1])} | | | |`,
  `| semaphore ops/s, 10 clients | ${Math.round(semOps[10])} | 1 client | ${ratio(semOps[10], semOps[1])} | |`,
  `| semaphore ops/s, 100 clients | ${Math.round(semOps[100])} | 1 client | ${ratio(semOps[100], semOps[1])} | |`,
  `| 1000-participant barrier: last arrival → all released (median of ${BARRIER_ROUNDS}; ${Math.min(...barrierRounds).toFixed(1)}–${Math.max(...barrierRounds).toFixed(1)} ms) | ${barrierMs.toFixed(1)} ms | | | ≤ 50 ms: ${verdict(barrierMs <= 50)} |`,
  `| same barrier, in-process sessions (no sockets) | ${localBarrierMs.toFixed(1)} ms | over TCP | ${(localBarrierMs / barrierMs).toFixed(2)}x | |`,
  `| \`node -e 0\`, cold | ${ms(median(cold.node))} | | | |`,
  `| \`lockstep sem NAME 0\`, cold | ${ms(median(cold.sem))} | \`node -e 0\` | ${semNode.toFixed(2)}x | ≤ 1.5x: ${verdict(semNode <= 1.5)} |`,
  `| \`etcdctl lock NAME true\`, cold | ${ms(etcdLockMs)} | \`lockstep sem NAME 0\` | ${ratio(etcdLockMs, median(cold.sem))} | |`,
];
if (cpu.node.length > 0) {
  const cpuRatio = median(cpu.sem) / median(cpu.node);
  lines.push(
    `| \`node -e 0\`, cold, CPU time (user+sys) | ${ms(median(cpu.node))} | | | |`,
    `| \`lockstep sem NAME 0\`, cold, CPU time | ${ms(median(cpu.sem))} | \`node -e 0\` | ${cpuRatio.toFixed(2)}x | ≤ 1.5x: ${verdict(cpuRatio <= 1.5)} |`,
  );
  if (hasEtcd) lines.push(`| \`etcdctl lock NAME true\`, cold, CPU time | ${ms(median(cpu.etcdctl))} | | | |`);
}
const machine = `${cpus().length} CPU(s) (${cpus()[0]?.model ?? '?'}), load average ${loadavg()[0].toFixed(1)} at the end, node ${process.version}`;
const table = lines.join('\n');
console.log(table);
console.log(`\n${machine}; medians of ${rounds} round trips and ${coldRuns} cold runs; ${seconds} s per ops/s figure`);

if (values.write) {
  const file = join(root, 'docs/benchmarks.md');
  const section = `## Coordinator

Measured with \`node bench/coordinator/run.mjs --write\` (after \`yarn build\`), on ${machine}.
Medians of ${rounds} round trips (echo and lock interleaved) and ${coldRuns} cold runs (interleaved);
servers (echo, \`lockstep coordinator\`, etcd ${hasEtcd ? spawnSync('etcd', ['--version']).stdout.toString().split('\n')[0].replace('etcd Version: ', '') : 'absent'}) each in their own process on loopback.

${table}

Where the time goes:

- A lock round trip is two protocol round trips (LOCK, then UNLOCK), so 2x echo is the floor;
  the rest is the coordinator's work per request (parse; one transaction that puts the request
  and reads the queue, granting a free resource from that read; a guarded delete) and the
  client's. Most of each round trip is the write system call on each side.
- The 1000-participant barrier over TCP is 1000 replies on 1000 connections: one write system
  call each in the coordinator and one read each in the clients, all on this machine's CPUs.
  The in-process row is the same release without sockets, the coordinator's own share. Both
  grow with the load of other processes on this shared VM (about 35 ms idle, over 100 ms at a
  load average of 5): run it on a quiet machine.
- A cold \`lockstep sem NAME 0\` takes the quick path: \`bin/lockstep.cjs\` is CommonJS and runs
  \`bundle/quick.cjs\` (the plain \`sem NAME DELTA\` / \`barrier NAME COUNT\` forms, coordinator
  and token from the environment) without clipanion or Node's ES module loader, then loads only
  the protocol client of \`@lockstep/core\`. Through the full command line the same call cost
  about 1.6x \`node -e 0\`: clipanion's parser and the ES module loader, not the coordinator.
- The machine is a shared 2-vCPU VM: compare the ratios within one run, not absolute numbers
  across runs.
`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf('\n## Coordinator\n');
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + 1);
    text = text.slice(0, start + 1) + section + (next >= 0 ? text.slice(next) : '');
  } else {
    text = `${text.trimEnd()}\n\n${section}`;
  }
  writeFileSync(file, text);
  console.log(`\nwrote the "## Coordinator" section of ${file}`);
}
process.exit(0);
