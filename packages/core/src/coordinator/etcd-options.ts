/** Options of {@link EtcdBackend.connect}. */
export interface EtcdBackendOptions {
  /** etcd client endpoints: `host:port`, `http://host:port` or `https://host:port`. */
  endpoints: readonly string[];
  /** Namespace of every key lockstep writes. Default `/lockstep/`; a trailing `/` is added if missing. */
  prefix?: string;
  /** TLS: PEM files of the CA that signed etcd's certificate, and of this client's certificate and key (for `--client-cert-auth`). */
  tls?: { ca?: string; cert?: string; key?: string };
  /** How long one operation keeps retrying across endpoints before it fails. Default 10 s. */
  requestTimeoutMs?: number;
  /** How long {@link EtcdBackend.connect} waits for a first answer. Default 10 s. */
  dialTimeoutMs?: number;
}

/** {@link EtcdBackendOptions} with every default applied. */
export interface NormalizedEtcdBackendOptions {
  /** `http://host:port` or `https://host:port`. */
  hosts: string[];
  prefix: string;
  tls: { ca?: string; cert?: string; key?: string } | undefined;
  requestTimeoutMs: number;
  dialTimeoutMs: number;
}

/**
 * Applies defaults and checks an {@link EtcdBackendOptions}.
 * @param raw the options as given
 * @returns the options with every default applied
 * @throws {TypeError} naming the option, what was expected and what was received
 */
export function normalizeEtcdBackendOptions(raw: EtcdBackendOptions): NormalizedEtcdBackendOptions {
  const endpoints = raw.endpoints as unknown;
  if (!Array.isArray(endpoints) || endpoints.length === 0) {
    throw new TypeError(`etcd endpoints must be a non-empty list of host:port, got ${describe(endpoints)}`);
  }
  const tls = raw.tls && (raw.tls.ca || raw.tls.cert || raw.tls.key) ? raw.tls : undefined;
  if (tls && (tls.cert === undefined) !== (tls.key === undefined)) {
    throw new TypeError('etcd TLS needs both a client certificate and its key, or neither');
  }
  const hosts = endpoints.map((e: unknown) => {
    if (typeof e !== 'string' || !/^(https?:\/\/)?[^\s/]+:\d+\/?$/.test(e.trim())) {
      throw new TypeError(`etcd endpoint must be host:port or http(s)://host:port, got ${describe(e)}`);
    }
    const trimmed = e.trim().replace(/\/$/, '');
    if (/^https?:\/\//.test(trimmed)) return trimmed;
    return `${tls ? 'https' : 'http'}://${trimmed}`;
  });
  let prefix = raw.prefix ?? '/lockstep/';
  if (typeof prefix !== 'string' || prefix === '') throw new TypeError(`etcd prefix must be a non-empty string, got ${describe(raw.prefix)}`);
  if (!prefix.endsWith('/')) prefix += '/';
  const requestTimeoutMs = raw.requestTimeoutMs ?? 10_000;
  const dialTimeoutMs = raw.dialTimeoutMs ?? 10_000;
  for (const [name, value] of [
    ['requestTimeoutMs', requestTimeoutMs],
    ['dialTimeoutMs', dialTimeoutMs],
  ] as const) {
    if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`etcd ${name} must be a positive number of milliseconds, got ${describe(value)}`);
  }
  return { hosts, prefix, tls, requestTimeoutMs, dialTimeoutMs };
}

function describe(value: unknown): string {
  return `${JSON.stringify(value) ?? String(value)} (${Array.isArray(value) ? 'array' : typeof value})`;
}
