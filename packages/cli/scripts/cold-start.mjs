// Measures the cold start of `lockstep --help` and `lockstep check` against `node -e 0`, which
// they must stay within 1.5x of. Runs are interleaved so that load on the machine hits every
// command alike; medians resist the outliers a busy machine produces.
//
//   node packages/cli/scripts/cold-start.mjs [runs=20] [bin=packages/cli/bin/lockstep.cjs]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 20);
const bin = process.argv[3] ?? fileURLToPath(new URL('../bin/lockstep.cjs', import.meta.url));
const playbook = fileURLToPath(new URL('../test/fixtures/local.yml', import.meta.url));
const commands = {
  'node -e 0': ['-e', '0'],
  'lockstep --help': [bin, '--help'],
  'lockstep check': [bin, 'check', playbook],
};
const times = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
for (let i = 0; i < runs + 2; i++) {
  for (const [name, args] of Object.entries(commands)) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${name} exited with ${result.status}: ${result.stderr}`);
    if (i >= 2) times[name].push(ms); // the first two rounds warm the file cache
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times['node -e 0']);
for (const [name, xs] of Object.entries(times)) {
  console.log(`${name.padEnd(16)} median ${median(xs).toFixed(1).padStart(6)} ms  min ${Math.min(...xs).toFixed(1).padStart(6)} ms  ${(median(xs) / base).toFixed(2)}x`);
}
