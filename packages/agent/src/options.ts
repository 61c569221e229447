import { existsSync, readFileSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { ErrorCodes, LockstepError, parseDuration } from '@lockstep/core';
import { DEFAULT_GROUP, defaultControlAddress, isLoopback, parseControlAddress, parseGroup } from './wire/address.js';
import type { ControlAddress, GroupAddress } from './wire/address.js';
import { loadKeyFile } from './wire/seal.js';

/** Options of an agent as users give them (command line or API). */
export interface AgentOptions {
  /** Base directory: pushed paths are relative to it (makuosan's `-b`). */
  base: string;
  /** Multicast group `239.x.y.z:port` (default {@link DEFAULT_GROUP}). */
  group?: string;
  /** IPv4 address of the interface to send and join on. Default: loopback without a key, else the only non-loopback IPv4 address. */
  interface?: string;
  /** Shared key file; without one the agent only binds loopback. */
  key?: string;
  /** Control sockets `unix:PATH` or `tcp:HOST:PORT` (several: e.g. a unix one for local use and a TCP one for a ring coordinator). */
  control?: string | string[];
  /** Member name shown in reports (default: the interface address). */
  name?: string;
  /** Multicast TTL (default 1: the local segment only). */
  ttl?: number;
  /** How often to announce on the group (default `2s`). */
  announceInterval?: string | number;
  /** Silence after which a member drops out (default `10s`). */
  memberTimeout?: string | number;
  /** How often a push asks a silent member again (default `250ms`). */
  retryInterval?: string | number;
  /** Unanswered asks before a member is named as failed (default 40, i.e. 10 s). */
  maxRetries?: number;
  /** UDP port of the ring socket (default 0: any free port, reported to the coordinator). */
  ringPort?: number;
  /** File bytes per chunk, the unit members ask again for (default: what fits the interface MTU unfragmented). */
  chunkBytes?: number;
  /**
   * File bytes one datagram carries at most, a run of consecutive chunks, on a clean network
   * (default 60000: the kernel fragments such datagrams; set it to `chunkBytes` to never send
   * a fragmented datagram).
   */
  datagramBytes?: number;
  /** Drop privileges to this user after binding (makuosan's `-u`). */
  user?: string;
  /** Drop privileges to this group after binding (makuosan's `-g`). */
  groupOwner?: string;
}

/** {@link AgentOptions} with every default applied and every value checked. */
export interface NormalizedAgentOptions {
  base: string;
  group: GroupAddress;
  interface: string;
  key: Buffer | undefined;
  control: ControlAddress[];
  name: string;
  ttl: number;
  announceIntervalMs: number;
  memberTimeoutMs: number;
  retryIntervalMs: number;
  maxRetries: number;
  ringPort: number;
  chunkBytes: number;
  datagramBytes: number;
  user: string | undefined;
  groupOwner: string | undefined;
}

/** File chunk for a 1500-byte MTU, used when the interface MTU cannot be read. */
export const DEFAULT_CHUNK_BYTES = 1364;

/** IPv4 and UDP headers, the seal, the message prefix and a DATA header at its longest. */
const DATA_OVERHEAD = 20 + 8 + 33 + 3 + 72;

/**
 * File bytes a datagram grows to by default. Each datagram costs a seal, a system call and a
 * trip through every member's receive path, whatever its size, so bigger is cheaper per byte;
 * this stays under UDP's 65507-byte limit with room for the headers. Measured in
 * bench/multicast: 60000-byte datagrams cost a receiver about a third less CPU than 8864-byte
 * unfragmented ones.
 */
export const DEFAULT_DATAGRAM_BYTES = 60_000;

/** File bytes a datagram can carry: 65507 bytes of UDP payload minus seal and headers. */
const MAX_DATAGRAM_BYTES = 65_000;

/** Chunks are capped here even on loopback (MTU 65536): big datagrams cost more to lose. */
const MAX_AUTO_CHUNK = 32_768;

/**
 * The largest chunk whose data datagram fits the interface's MTU unfragmented (a lost fragment
 * loses the whole datagram): 1364 bytes on Ethernet, 8864 with jumbo frames.
 * @param address the interface address
 */
export function chunkBytesFor(address: string): number {
  const name = Object.entries(networkInterfaces()).find(([, entries]) => entries?.some((e) => e.address === address))?.[0];
  try {
    const mtu = Number(readFileSync(`/sys/class/net/${name}/mtu`, 'utf8'));
    if (Number.isInteger(mtu) && mtu >= 576) return Math.min(MAX_AUTO_CHUNK, mtu - DATA_OVERHEAD);
  } catch {
    // not Linux, or no such interface: assume Ethernet
  }
  return DEFAULT_CHUNK_BYTES;
}

function invalid(message: string): LockstepError {
  return new LockstepError(ErrorCodes.AGENT_OPTIONS_INVALID, message);
}

function pickInterface(): string | undefined {
  const candidates = Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry && entry.family === 'IPv4' && !entry.internal)
    .map((entry) => entry!.address);
  return candidates.length === 1 ? candidates[0] : undefined;
}

/**
 * Applies defaults and checks every agent option once.
 *
 * @param raw options as given
 * @returns the complete options
 * @throws {LockstepError} `AGENT_OPTIONS_INVALID`, `AGENT_KEY_INVALID`, or `AGENT_KEY_REQUIRED`
 * when a non-loopback interface or control address is asked for without a key
 */
export function normalizeAgentOptions(raw: AgentOptions): NormalizedAgentOptions {
  const base = resolve(raw.base);
  if (!existsSync(base) || !statSync(base).isDirectory()) throw invalid(`base directory ${base} does not exist`);
  let group: GroupAddress;
  let control: ControlAddress[];
  try {
    group = parseGroup(raw.group ?? DEFAULT_GROUP);
    const controls = raw.control === undefined ? [defaultControlAddress()] : Array.isArray(raw.control) ? raw.control : [raw.control];
    control = controls.map(parseControlAddress);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const key = raw.key ? loadKeyFile(raw.key) : undefined;
  const iface = raw.interface ?? (key ? pickInterface() : '127.0.0.1');
  if (!iface) throw invalid('this machine has several IPv4 interfaces: choose one with --interface ADDR');
  if (!key && !isLoopback(iface)) {
    throw new LockstepError(ErrorCodes.AGENT_KEY_REQUIRED, `refusing to join the group on ${iface} without a shared key: pass --key FILE, or use a loopback interface`);
  }
  for (const address of control) {
    if (!key && address.kind === 'tcp' && !isLoopback(address.host) && address.host !== 'localhost') {
      throw new LockstepError(ErrorCodes.AGENT_KEY_REQUIRED, `refusing to listen for control on ${address.host} without a shared key: pass --key FILE, or use unix:PATH`);
    }
  }
  const ttl = raw.ttl ?? 1;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) throw invalid(`ttl must be an integer 0..255, received ${ttl}`);
  const maxRetries = raw.maxRetries ?? 40;
  if (!Number.isInteger(maxRetries) || maxRetries < 1) throw invalid(`max-retries must be an integer ≥ 1, received ${maxRetries}`);
  const chunkBytes = raw.chunkBytes ?? chunkBytesFor(iface);
  if (!Number.isInteger(chunkBytes) || chunkBytes < 256 || chunkBytes > 60_000) throw invalid(`chunk-bytes must be an integer 256..60000, received ${chunkBytes}`);
  const datagramBytes = raw.datagramBytes ?? Math.max(chunkBytes, DEFAULT_DATAGRAM_BYTES);
  if (!Number.isInteger(datagramBytes) || datagramBytes < chunkBytes || datagramBytes > MAX_DATAGRAM_BYTES) {
    throw invalid(`datagram-bytes must be an integer ${chunkBytes}..${MAX_DATAGRAM_BYTES} (at least chunk-bytes), received ${datagramBytes}`);
  }
  return {
    base,
    group,
    interface: iface,
    key,
    control,
    name: raw.name ?? iface,
    ttl,
    announceIntervalMs: parseDuration(raw.announceInterval ?? '2s'),
    memberTimeoutMs: parseDuration(raw.memberTimeout ?? '10s'),
    retryIntervalMs: parseDuration(raw.retryInterval ?? '250ms'),
    maxRetries,
    ringPort: raw.ringPort ?? 0,
    chunkBytes,
    datagramBytes,
    user: raw.user,
    groupOwner: raw.groupOwner,
  };
}
