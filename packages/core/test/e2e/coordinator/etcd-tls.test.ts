import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/coordinator/coordinator.js';
import { EtcdBackend } from '../../../src/coordinator/etcd-backend.js';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.js';
import { runCli, startCoordinatorProcess, stopProcess, type CoordinatorProcess } from '../helpers/etcd-lockstep.js';

// etcd serving clients over TLS with --client-cert-auth; certificates made by openssl for the test.
let dir: string;
let cluster: EtcdCluster;
const files = { ca: '', serverCert: '', serverKey: '', clientCert: '', clientKey: '' };

function makeCertificates(): void {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...key, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=lockstep test CA');
  for (const [name, usage] of [
    ['server', 'serverAuth'],
    ['client', 'clientAuth'],
  ] as const) {
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=IP:127.0.0.1\nextendedKeyUsage=${usage}\n`);
    run('req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
  }
  Object.assign(files, {
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lockstep-etcd-tls-'));
  makeCertificates();
  cluster = await startEtcdCluster({ size: 1, tls: files });
});
afterAll(async () => {
  await cluster?.stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the etcd backend over TLS', () => {
  it('connects with the CA and a client certificate, and refuses without the client certificate', async () => {
    const prefix = `/tls/${randomBytes(4).toString('hex')}/`;
    const backend = await EtcdBackend.connect({ endpoints: cluster.endpoints, prefix, tls: { ca: files.ca, cert: files.clientCert, key: files.clientKey } });
    expect(backend.options.hosts).toEqual(cluster.endpoints.map((e) => `https://${e}`));
    const coordinator = new Coordinator({ backend });
    try {
      const s = await coordinator.openSession({ name: 'tls' });
      const hold = await s.lock('secure');
      expect(hold.fence).toBeGreaterThan(0);
      await hold.release();
    } finally {
      await coordinator.dispose();
      await backend.dispose();
    }
    await expect(EtcdBackend.connect({ endpoints: cluster.endpoints, prefix, tls: { ca: files.ca }, dialTimeoutMs: 2000 })).rejects.toMatchObject({ code: 'LS5010' });
  });

  it('`lockstep coordinator --etcd-cacert --etcd-cert --etcd-key` serves over it', async () => {
    const token = randomBytes(8).toString('hex');
    let coordinator: CoordinatorProcess | undefined;
    try {
      coordinator = await startCoordinatorProcess({
        endpoints: cluster.endpoints,
        prefix: `/tls/${randomBytes(4).toString('hex')}/`,
        token,
        sessionTtl: '5s',
        extraArgs: ['--etcd-cacert', files.ca, '--etcd-cert', files.clientCert, '--etcd-key', files.clientKey],
      });
      const sem = runCli(['sem', '-c', coordinator.address, 'tls-sem', '2'], { LOCKSTEP_TOKEN: token });
      expect(await sem.exited).toBe(0);
      expect(sem.lines.map((l) => l.line)).toEqual(['2']);
    } finally {
      if (coordinator) await stopProcess(coordinator.process, 'SIGTERM');
    }
  });
});
