import { createTransport } from '@lockstep/core';
import { startSshdNodes } from '@lockstep/testing';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
const cluster = await startSshdNodes({ count: 1 });
try {
  const t = createTransport(cluster.nodes[0]);
  await t.connect();
  const size = 200 * 1024 * 1024;
  for (const chunkSize of [64 * 1024, 1024 * 1024]) {
    const chunk = Buffer.alloc(chunkSize, 1);
    const p = t.spawn('cat > /dev/null');
    const start = Date.now();
    await pipeline(Readable.from((function* () { for (let i = 0; i < size / chunkSize; i++) yield chunk; })()), p.stdin);
    await p.exited;
    console.log('chunk', chunkSize, 'MB/s', (200 / ((Date.now() - start) / 1000)).toFixed(1));
  }
  await t.dispose();
} finally { await cluster.stopAll(); }
