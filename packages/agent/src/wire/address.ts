import { isIPv4 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where a control socket listens: a unix socket path or a TCP host and port. */
export type ControlAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/**
 * Parses `unix:PATH` or `tcp:HOST:PORT` (a bare absolute path means unix).
 * @param text the address
 * @returns the parsed address
 * @throws {TypeError} naming the text and the accepted forms
 */
export function parseControlAddress(text: string): ControlAddress {
  if (text.startsWith('unix:') && text.length > 5) return { kind: 'unix', path: text.slice(5) };
  if (text.startsWith('/')) return { kind: 'unix', path: text };
  const match = /^tcp:(.+):(\d{1,5})$/.exec(text);
  if (match && Number(match[2]) < 65536) return { kind: 'tcp', host: match[1]!, port: Number(match[2]) };
  throw new TypeError(`control address must be unix:PATH or tcp:HOST:PORT, received ${JSON.stringify(text)}`);
}

/** Formats a control address as users write it. */
export function formatControlAddress(address: ControlAddress): string {
  return address.kind === 'unix' ? `unix:${address.path}` : `tcp:${address.host}:${address.port}`;
}

/**
 * The control address used when none is given: `/run/lockstep/agent.sock` for root, else a
 * per-user socket in the temp directory.
 */
export function defaultControlAddress(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  return uid === 0 ? 'unix:/run/lockstep/agent.sock' : `unix:${join(tmpdir(), `lockstep-agent-${uid}.sock`)}`;
}

/** An IPv4 multicast group and UDP port. */
export interface GroupAddress {
  address: string;
  port: number;
}

/** lockstep's default group: organization-local scope (239.192.0.0/14), port 7683. */
export const DEFAULT_GROUP = '239.192.76.83:7683';

/**
 * Parses `239.x.y.z:port`.
 * @throws {TypeError} when it is not an IPv4 multicast address with a port
 */
export function parseGroup(text: string): GroupAddress {
  const match = /^(\d+\.\d+\.\d+\.\d+):(\d{1,5})$/.exec(text);
  const first = match ? Number(match[1]!.split('.')[0]) : 0;
  if (!match || !isIPv4(match[1]!) || first < 224 || first > 239 || Number(match[2]) === 0 || Number(match[2]) > 65535) {
    throw new TypeError(`group must be an IPv4 multicast address with a port (e.g. ${DEFAULT_GROUP}), received ${JSON.stringify(text)}`);
  }
  return { address: match[1]!, port: Number(match[2]) };
}

/** True for 127.0.0.0/8. */
export function isLoopback(address: string): boolean {
  return isIPv4(address) && address.startsWith('127.');
}
