// What both coordinator benchmarks (run.mjs, etcd.mjs) measure with: a clock, the median of
// samples, and a free loopback port for the servers they start.
import { createServer } from 'node:net';

/** The median of samples (the upper one of an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A monotonic clock in ms, with sub-ms resolution. */
export const now = () => Number(process.hrtime.bigint()) / 1e6;

/** A TCP port free on 127.0.0.1 right now (closed again before it is returned). */
export async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}
