import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The etcd binary the tests use: Debian's etcd-server, or `$LOCKSTEP_ETCD`. */
export const ETCD_BINARY = process.env.LOCKSTEP_ETCD ?? '/usr/bin/etcd';

/** One member of a test etcd cluster. */
export interface EtcdMember {
  readonly name: string;
  /** `127.0.0.1:port` of its client URL (what `--etcd-endpoints` takes). */
  readonly endpoint: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  /** The running process, undefined while the member is killed. */
  process: ChildProcess | undefined;
}

/** A real etcd cluster of 1 or 3 members on free loopback ports, in a temp dir. */
export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Every member's client endpoint, for `--etcd-endpoints`. */
  readonly endpoints: string[];
  /** SIGKILLs member `i` (by PID) and waits for it to exit. */
  kill(i: number): Promise<void>;
  /** Starts member `i` again on the same ports and data dir, and waits until it answers /health. */
  restart(i: number): Promise<void>;
  /** Index of the current leader, asked of a running member (`/v3/maintenance/status`). */
  leader(): Promise<number>;
  /** Kills every member and removes the temp dir. */
  stopAll(): Promise<void>;
}

/** Options of {@link startEtcdCluster}. */
export interface EtcdClusterOptions {
  /** 1 or 3 members (default 1). */
  size?: number;
  /** Serve clients over TLS and require client certificates (`--client-cert-auth`): PEM files. */
  tls?: { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string };
}

/**
 * Starts a real etcd cluster for a test. Heartbeat and election timeouts are shortened so a
 * killed leader is replaced in about a second. The caller must call `stopAll()` in `afterAll`.
 * @returns the cluster, once every member reports healthy
 */
export async function startEtcdCluster(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  const size = options.size ?? 1;
  const tls = options.tls;
  const scheme = tls ? 'https' : 'http';
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-etcd-'));
  const ports = await freePorts(size * 2);
  const members: EtcdMember[] = Array.from({ length: size }, (_, i) => ({
    name: `m${i}`,
    endpoint: `127.0.0.1:${ports[2 * i]!}`,
    peerUrl: `http://127.0.0.1:${ports[2 * i + 1]!}`,
    dataDir: join(dir, `m${i}`),
    process: undefined,
  }));
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const token = `lockstep-${randomBytes(4).toString('hex')}`;
  const logs = new Map<EtcdMember, string[]>();

  const launch = (m: EtcdMember): void => {
    const child = spawn(
      ETCD_BINARY,
      [
        '--name', m.name,
        '--data-dir', m.dataDir,
        '--listen-client-urls', `${scheme}://${m.endpoint}`,
        '--advertise-client-urls', `${scheme}://${m.endpoint}`,
        ...(tls ? ['--cert-file', tls.serverCert, '--key-file', tls.serverKey, '--trusted-ca-file', tls.ca, '--client-cert-auth'] : []),
        '--listen-peer-urls', m.peerUrl,
        '--initial-advertise-peer-urls', m.peerUrl,
        '--initial-cluster', initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', token,
        '--heartbeat-interval', '50',
        '--election-timeout', '500',
        '--logger', 'zap',
        '--log-outputs', 'stderr',
        '--log-level', 'error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const tail: string[] = [];
    logs.set(m, tail);
    child.stderr?.on('data', (chunk: Buffer) => {
      tail.push(chunk.toString());
      if (tail.length > 50) tail.shift();
    });
    child.on('error', () => undefined);
    m.process = child;
  };

  const kill = async (i: number): Promise<void> => {
    const m = members[i]!;
    const child = m.process;
    m.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    process.kill(child.pid!, 'SIGKILL');
    await exited;
  };

  const waitHealthy = async (m: EtcdMember): Promise<void> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const child = m.process;
      if (!child || child.exitCode !== null) {
        throw new Error(`etcd member ${m.name} exited: ${(logs.get(m) ?? []).join('').slice(-2000)}`);
      }
      try {
        const body = tls ? await httpsHealth(m.endpoint, tls) : ((await (await fetch(`http://${m.endpoint}/health`, { signal: AbortSignal.timeout(1000) })).json()) as { health?: string });
        if (body.health === 'true') return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`etcd member ${m.name} not healthy after 30s: ${(logs.get(m) ?? []).join('').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const stopAll = async (): Promise<void> => {
    await Promise.all(members.map((_, i) => kill(i)));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (const m of members) launch(m);
    await Promise.all(members.map(waitHealthy));
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    members,
    endpoints: members.map((m) => m.endpoint),
    kill,
    restart: async (i) => {
      const m = members[i]!;
      if (m.process) return;
      launch(m);
      await waitHealthy(m);
    },
    leader: async () => {
      for (const m of members) {
        if (!m.process) continue;
        try {
          const status = async (member: EtcdMember) => {
            const res = await fetch(`http://${member.endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2000) });
            return (await res.json()) as { header: { member_id: string }; leader: string };
          };
          const { leader } = await status(m);
          for (const [i, other] of members.entries()) {
            if (other.process && (await status(other)).header.member_id === leader) return i;
          }
        } catch {
          // try the next member
        }
      }
      throw new Error('no etcd member knows a leader');
    },
    stopAll,
  };
}

/** Free loopback TCP ports: bound to port 0, then released (ports are not reused at once). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import('node:net').Server>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** GET /health over TLS with a client certificate (fetch cannot take one). */
async function httpsHealth(endpoint: string, tls: NonNullable<EtcdClusterOptions['tls']>): Promise<{ health?: string }> {
  const { request } = await import('node:https');
  const { readFileSync } = await import('node:fs');
  const [host, port] = endpoint.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port: Number(port), path: '/health', ca: readFileSync(tls.ca), cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey), timeout: 1000 },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body) as { health?: string });
          } catch (error) {
            reject(error as Error);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
