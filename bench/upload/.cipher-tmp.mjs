import { startSshdNodes } from '@lockstep/testing';
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
const cluster = await startSshdNodes({ count: 1 });
try {
  for (const cipher of ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes128-ctr']) {
    const client = new ssh2.Client();
    await new Promise((res, rej) => client.on('ready', res).on('error', rej).connect({ host: '127.0.0.1', port: cluster.nodes[0].port, username: 'root', privateKey: readFileSync(cluster.identityFile), algorithms: { cipher: [cipher] } }));
    const ch = await new Promise((res, rej) => client.exec('cat > /dev/null', (e, c) => (e ? rej(e) : res(c))));
    const chunk = Buffer.alloc(256 * 1024, 1);
    const start = Date.now();
    for (let i = 0; i < 800; i++) if (!ch.write(chunk)) await new Promise((r) => ch.once('drain', r));
    ch.end();
    await new Promise((r) => ch.on('close', r));
    console.log(cipher, 'MB/s', (200 / ((Date.now() - start) / 1000)).toFixed(1));
    client.end();
  }
} finally { await cluster.stopAll(); }
