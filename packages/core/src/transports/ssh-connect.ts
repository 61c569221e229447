import { readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import ssh2, { type AnyAuthMethod, type Client } from 'ssh2';
import { ConnectionError } from '../errors/connection-error.js';
import { createHostKeyCheck } from './ssh-host-key.js';
import type { SshTarget } from './ssh-target.js';

/** Options of {@link connectSsh}. */
export interface ConnectSshOptions {
  /** Disable Nagle's algorithm on the socket (default true): without it each exec costs ~40 ms more. */
  noDelay?: boolean;
  signal?: AbortSignal;
}

/**
 * Opens and authenticates one SSH connection, checking the host key against known_hosts without
 * ever prompting. Credentials are offered in ssh's order of preference: the named identity files,
 * then the agent's keys.
 *
 * @param nodeName node name, for messages
 * @param target the resolved target
 * @param options Nagle and cancellation
 * @returns the ready client
 * @throws {ConnectionError} refused, timed out, dns, auth failed, host key unknown or mismatch
 */
export async function connectSsh(nodeName: string, target: SshTarget, options: ConnectSshOptions = {}): Promise<Client> {
  const { signal } = options;
  signal?.throwIfAborted();
  const fail = (reason: ConstructorParameters<typeof ConnectionError>[2], detail: string, cause?: unknown) =>
    new ConnectionError(nodeName, target.address, reason, detail, { cause });
  const { methods, offered, skipped } = await authMethods(target, fail);
  if (methods.length === 0) {
    const why = skipped.length > 0 ? skipped.join('; ') : `no identity file found (${target.identityFiles.join(', ')}) and no ssh-agent (SSH_AUTH_SOCK)`;
    throw fail('auth-failed', `no usable credentials for ${target.user}: ${why}`);
  }
  const hostKey = await createHostKeyCheck(nodeName, target);
  signal?.throwIfAborted();

  const client = new ssh2.Client();
  return await new Promise<Client>((resolve, reject) => {
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      client.removeListener('ready', onReady);
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
      if (error === undefined) return resolve(client);
      client.on('error', () => {}); // late socket errors of an abandoned attempt
      client.destroy();
      reject(error);
    };
    const onReady = () => settle();
    const onError = (error: Error & { level?: string; code?: string }) =>
      settle(hostKey.rejection ?? describe(error, target, offered, fail));
    const onClose = () => settle(hostKey.rejection ?? fail('other', 'connection closed during the SSH handshake'));
    const onAbort = () => settle(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    client.on('ready', onReady).on('error', onError).on('close', onClose);
    // Our own socket, so that its writes can be batched. ssh2 takes any net.Socket; one that is
    // not yet connecting counts as connected, so connect() comes first.
    const socket = new BatchingSocket();
    socket.connect({ host: target.host, port: target.port });
    client.connect({
      sock: socket,
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: target.connectTimeoutMs,
      keepaliveInterval: target.keepaliveIntervalMs,
      keepaliveCountMax: target.keepaliveCountMax,
      hostVerifier: (key: Buffer, verify: (accept: boolean) => void) => hostKey.verify(key, verify),
      algorithms: { serverHostKey: hostKey.algorithms as never },
      authHandler: methods,
    });
    // Without TCP_NODELAY, Nagle holds back the small channel-open and exec packets until the
    // peer's delayed ACK: ~40 ms on every command.
    if (options.noDelay !== false) socket.setNoDelay(true);
  });
}

/**
 * A TCP socket that sends everything written to it in one tick with one system call. ssh2
 * writes each packet as three pieces (length, ciphertext, MAC), each on its own: a 256 kB
 * write to a channel was 24 write(2) calls, and on loopback each call also runs the receiver's
 * side of TCP. Corked until the next tick, they leave as one writev(2); nothing waits longer.
 */
class BatchingSocket extends Socket {
  #corked = false;

  override write(chunk: string | Uint8Array, encoding?: BufferEncoding | ((error?: Error | null) => void), callback?: (error?: Error | null) => void): boolean {
    if (!this.#corked) {
      this.#corked = true;
      this.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.uncork();
      });
    }
    // Writable.write takes the callback in the encoding's place too; pass both on untouched.
    return super.write(chunk, encoding as BufferEncoding, callback);
  }
}

async function authMethods(
  target: SshTarget,
  fail: (reason: 'auth-failed', detail: string, cause?: unknown) => ConnectionError,
): Promise<{ methods: AnyAuthMethod[]; offered: string[]; skipped: string[] }> {
  const methods: AnyAuthMethod[] = [];
  const offered: string[] = [];
  const skipped: string[] = [];
  for (const file of target.identityFiles) {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (error) {
      if (!target.identityExplicit && (error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw fail('auth-failed', `cannot read identity file ${file}: ${(error as Error).message}`, error);
    }
    const parsed = ssh2.utils.parseKey(data);
    if (parsed instanceof Error) {
      // An encrypted key cannot be used without prompting; the agent may hold it.
      skipped.push(`${file}: ${parsed.message} (add it to ssh-agent instead)`);
      continue;
    }
    methods.push({ type: 'publickey', username: target.user, key: Array.isArray(parsed) ? parsed[0] : parsed });
    offered.push(file);
  }
  if (target.agentSocket !== undefined) {
    methods.push({ type: 'agent', username: target.user, agent: target.agentSocket });
    offered.push(`ssh-agent (${target.agentSocket})`);
  }
  return { methods, offered, skipped };
}

function describe(
  error: Error & { level?: string; code?: string },
  target: SshTarget,
  offered: string[],
  fail: (reason: ConstructorParameters<typeof ConnectionError>[2], detail: string, cause?: unknown) => ConnectionError,
): ConnectionError {
  switch (error.code) {
    case 'ECONNREFUSED':
      return fail('refused', 'connection refused (is sshd running and listening on this port?)', error);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return fail('dns', `cannot resolve host name ${target.host}`, error);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return fail('timed-out', `host unreachable (${error.code})`, error);
  }
  if (error.level === 'client-timeout') {
    return fail('timed-out', `timed out after ${target.connectTimeoutMs}ms waiting for the SSH handshake`, error);
  }
  if (error.level === 'client-dns') return fail('dns', `cannot resolve host name ${target.host}`, error);
  if (error.level === 'client-authentication' || error.level === 'agent') {
    return fail('auth-failed', `authentication failed for user ${target.user} (offered: ${offered.join(', ')})`, error);
  }
  return fail('other', error.message, error);
}
