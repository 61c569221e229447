import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import type { LockstepContext } from '../context.js';
import { readToken } from '../coordinator-connection.js';
import { clientOptions, isLifespan, tokenSchema } from '../coordinator-options.js';

/** `lockstep coordinator`: serves semaphores, barriers, locks and channels over TCP. */
export class CoordinatorCommand extends Command<LockstepContext> {
  static override paths = [['coordinator']];

  static override schema = tokenSchema;

  static override usage = Command.Usage({
    category: 'Coordination',
    description: 'serve semaphores, barriers, locks and channels to scripts on other machines',
    details: `
      Runs a standalone coordinator (dissem's and flom's daemon): clients use \`lockstep sem\`, \`lockstep barrier\`, \`lockstep lock\`, or the line protocol of docs/protocol.md from any language, even bash's \`/dev/tcp\`.

      It listens on \`--listen\` (default \`127.0.0.1:28015\`: loopback, since serving other machines is a choice) and prints \`LOCKSTEP_COORDINATOR=host:port\` on stdout. Clients authenticate with a token: \`--token\`, \`--token-file\`, or \`$LOCKSTEP_TOKEN\`; with none, a random one is made and printed as \`LOCKSTEP_TOKEN=…\`.

      \`--lifespan\` is flom's \`-d\`: \`-1\` (default) serves until interrupted; \`N\` exits after N seconds with no client connected.

      With \`--discover group:port\` it also answers UDP multicast discovery on that group, joined on \`--interface\` (default 127.0.0.1), with its address signed with the token (HMAC-SHA256).

      State lives in memory: when this process ends, every lock, semaphore and barrier is gone.

      With \`--backend etcd --etcd-endpoints a:2379,b:2379,c:2379\` state lives in etcd instead, under \`--etcd-prefix\` (default \`/lockstep/\`): it survives this process and its machine, and several coordinators over the same etcd serve the same locks, semaphores and barriers. A session is an etcd lease (\`--session-ttl\`, whole seconds): what the clients of a coordinator that died held is released when their leases run out. TLS: \`--etcd-cacert\`, \`--etcd-cert\`, \`--etcd-key\` (PEM files, as etcdctl's \`--cacert --cert --key\`). See docs/coordinator.md.
    `,
    examples: [
      ['Serve on loopback with a token from the environment', 'LOCKSTEP_TOKEN=s3cret $0 coordinator'],
      ['Serve the LAN and answer discovery there', '$0 coordinator --listen 0.0.0.0:28015 --token-file /etc/lockstep/token --discover 239.255.0.1:28015 --interface 10.0.0.5'],
      ['Exit after 30 idle seconds', '$0 coordinator --lifespan 30'],
      ['Keep state in a three-member etcd', '$0 coordinator --listen 0.0.0.0:28015 --backend etcd --etcd-endpoints 10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379'],
    ],
  });

  listen = Option.String('--listen,-l', '127.0.0.1:28015', { description: 'address to listen on, host:port (port 0: any free port)' });
  token = clientOptions.token();
  tokenFile = clientOptions.tokenFile();
  lifespan = Option.String('--lifespan,-d', {
    description: '-1 (the default; write --lifespan=-1) serves until interrupted; N exits after N seconds without clients',
    validator: isLifespan,
  });
  discover = Option.String('--discover', { description: 'also answer UDP multicast discovery on group:port, e.g. 239.255.0.1:28015' });
  iface = clientOptions.iface();
  sessionTtl = clientOptions.duration('--session-ttl', 'lease TTL of a session (default 10s)');
  backend = Option.String('--backend', 'memory', { description: 'where state lives: memory (default) or etcd', validator: t.isEnum(['memory', 'etcd']) });
  etcdEndpoints = Option.String('--etcd-endpoints', { description: 'with --backend etcd: comma-separated etcd endpoints, host:port or http(s)://host:port' });
  etcdPrefix = Option.String('--etcd-prefix', { description: 'with --backend etcd: key prefix of all state (default /lockstep/)' });
  etcdCacert = Option.String('--etcd-cacert', { description: 'with --backend etcd: CA certificate (PEM) that signed the etcd servers\' certificates; turns TLS on' });
  etcdCert = Option.String('--etcd-cert', { description: 'with --backend etcd: client certificate (PEM), for etcd --client-cert-auth' });
  etcdKey = Option.String('--etcd-key', { description: 'with --backend etcd: client private key (PEM)' });

  override async execute(): Promise<number> {
    const lifespan = this.lifespan ?? -1;
    if (lifespan === 0) {
      throw new (await import('clipanion')).UsageError('--lifespan 0 means "never start a coordinator" (a client option); use -1 or a number of seconds');
    }
    const core = await import('@lockstep/core');
    const { randomBytes } = await import('node:crypto');
    let token = this.token ?? this.context.env.LOCKSTEP_TOKEN;
    if (this.tokenFile !== undefined) token = await readToken(this.context, this.tokenFile);
    const generated = !token;
    token ||= randomBytes(24).toString('hex');
    const { host, port } = core.parseAddress(this.listen, { listening: true });
    const store = await this.#backend(core);
    const coordinator = new core.Coordinator({
      ...(this.sessionTtl ? { sessionTtlMs: core.parseDuration(this.sessionTtl) } : {}),
      ...(store ? { backend: store } : {}),
    });
    const server = await core.CoordinatorServer.listen({ coordinator, host, port, token });
    const disposables: Array<{ dispose(): unknown }> = [...(store ? [store] : []), coordinator, server];
    if (this.discover) {
      const endpoint = core.parseDiscoveryEndpoint(this.discover, this.iface ?? '127.0.0.1');
      const advertised = host === '0.0.0.0' || host === '::' ? `${endpoint.interface}:${server.port}` : server.address;
      disposables.push(await core.DiscoveryResponder.start(endpoint, { address: advertised, token }));
    }
    this.context.stdout.write(`LOCKSTEP_COORDINATOR=${server.address}\n${generated ? `LOCKSTEP_TOKEN=${token}\n` : ''}`);

    await new Promise<void>((resolve) => {
      if (this.context.signal.aborted) return resolve();
      this.context.signal.addEventListener('abort', () => resolve(), { once: true });
      if (lifespan > 0) {
        const idleMs = lifespan * 1000;
        let timer: NodeJS.Timeout | undefined = setTimeout(resolve, idleMs);
        coordinator.onDidChangeSessions((count) => {
          clearTimeout(timer);
          timer = count === 0 ? setTimeout(resolve, idleMs) : undefined;
        });
      }
    });
    for (const d of disposables.reverse()) await d.dispose();
    return 0;
  }

  /** The etcd backend `--backend etcd` asks for (undefined: the coordinator's own in-memory one). */
  async #backend(core: typeof import('@lockstep/core')) {
    const etcdFlags = [this.etcdEndpoints, this.etcdPrefix, this.etcdCacert, this.etcdCert, this.etcdKey].some((v) => v !== undefined);
    if (this.backend !== 'etcd') {
      if (etcdFlags) throw new (await import('clipanion')).UsageError('the --etcd-* options need --backend etcd');
      return undefined;
    }
    const endpoints = (this.etcdEndpoints ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
    if (endpoints.length === 0) throw new (await import('clipanion')).UsageError('--backend etcd needs --etcd-endpoints host:port[,host:port…]');
    const { resolve } = await import('node:path');
    const file = (f: string | undefined) => (f === undefined ? undefined : resolve(this.context.cwd, f));
    return core.createCoordinatorBackend({
      backend: 'etcd',
      endpoints,
      ...(this.etcdPrefix !== undefined ? { prefix: this.etcdPrefix } : {}),
      tls: { ...(this.etcdCacert ? { ca: file(this.etcdCacert) } : {}), ...(this.etcdCert ? { cert: file(this.etcdCert) } : {}), ...(this.etcdKey ? { key: file(this.etcdKey) } : {}) },
    });
  }
}
